namespace FaceIndex.Audit;

/// <summary>What an audit finding says is wrong.</summary>
public enum AuditKind
{
    /// <summary>The same file twice (same SHA-256), or the same photo re-encoded, resized or cropped (faces far closer than any two photos of one person).</summary>
    Duplicate,

    /// <summary>A face far from its own identity and close to another one, which is named.</summary>
    Mislabelled,

    /// <summary>An identity whose faces split into two well-separated groups.</summary>
    OneLabelTwoPeople,

    /// <summary>Two identities whose faces are as close as one person's.</summary>
    TwoLabelsOnePerson,

    /// <summary>In a multi-face image, the face the subject rule picked is not the labelled person; another face of the image is.</summary>
    WrongSubject,

    /// <summary>A face far from everything else of its identity, with no other identity close either.</summary>
    Outlier,

    /// <summary>A face too small, blurred, weakly detected or turned away to trust.</summary>
    LowQuality,

    /// <summary>An identity (or face) of this dataset that also appears in the other dataset, by faces.</summary>
    Overlap,
}
