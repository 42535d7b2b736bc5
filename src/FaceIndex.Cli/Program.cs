namespace FaceIndex.Cli;

/// <summary>The faceindex command.</summary>
public static class Program
{
    public static int Main(string[] args) => 0;
}
