namespace FaceIndex.Imaging;

/// <summary>An image that could not be decoded: which one (<see cref="Path"/>), why (<see cref="Reason"/>), and what to do (the message).</summary>
public sealed class ImageDecodeException : FaceIndexException
{
    public ImageDecodeException()
    {
        Path = string.Empty;
    }

    public ImageDecodeException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    public ImageDecodeException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    public ImageDecodeException(string path, ImageDecodeReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file path, or the source name given with a stream or a byte buffer.</summary>
    public string Path { get; }

    public ImageDecodeReason Reason { get; }
}
