namespace FaceIndex.Annoy;

/// <summary>An Annoy operation that cannot go on: a wrong argument state, an unreadable file, a failed write.</summary>
public class AnnoyException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public AnnoyException()
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public AnnoyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public AnnoyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A file that is not an Annoy index of the expected dimension and metric (refused on load).</summary>
public class AnnoyFormatException : AnnoyException
{
    /// <summary>Creates the exception with no message.</summary>
    public AnnoyFormatException()
    {
    }

    /// <summary>Creates the exception with a message that names the file and what is wrong with it.</summary>
    public AnnoyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public AnnoyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
