namespace FaceIndex.Alignment;

/// <summary>The aligner for each <see cref="AlignmentKind"/>.</summary>
public static class FaceAligners
{
    /// <summary>A stateless aligner of <paramref name="kind"/>.</summary>
    public static IFaceAligner Create(AlignmentKind kind) => kind switch
    {
        AlignmentKind.DlibChip => new DlibFaceAligner(),
        AlignmentKind.ArcFace5 => new ArcFaceAligner(),
        AlignmentKind.Affine3 => new ThreePointAffineAligner(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown alignment"),
    };

    /// <summary>The lower-case name used on the command line and in reports (dlib, arcface5, affine3).</summary>
    public static string Name(AlignmentKind kind) => kind switch
    {
        AlignmentKind.DlibChip => "dlib",
        AlignmentKind.ArcFace5 => "arcface5",
        AlignmentKind.Affine3 => "affine3",
        _ => kind.ToString(),
    };

    /// <summary>Parses dlib | arcface5 | affine3 (case-insensitive).</summary>
    public static AlignmentKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "dlib" or "dlibchip" or "dlib-chip" => AlignmentKind.DlibChip,
            "arcface5" or "arcface" or "5point" => AlignmentKind.ArcFace5,
            "affine3" or "3point" => AlignmentKind.Affine3,
            _ => throw new FaceIndexException($"alignment '{name}' is not one of dlib, arcface5, affine3"),
        };
    }
}
