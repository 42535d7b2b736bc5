namespace FaceIndex;

/// <summary>The base of every error FaceIndex reports to a user: the message says which input, what is wrong, and what to do.</summary>
public class FaceIndexException : Exception
{
    public FaceIndexException()
    {
    }

    public FaceIndexException(string message)
        : base(message)
    {
    }

    public FaceIndexException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
