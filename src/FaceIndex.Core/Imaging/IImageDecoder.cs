namespace FaceIndex.Imaging;

/// <summary>The decode stage: bytes of a photo in, upright RGB8 out, or an <see cref="ImageDecodeException"/>.</summary>
public interface IImageDecoder
{
    /// <summary>Decodes the file at <paramref name="path"/>.</summary>
    DecodedImage Decode(string path, CancellationToken cancellationToken = default);

    /// <summary>Decodes an in-memory image; <paramref name="sourceName"/> names it in messages and supplies the extension to check.</summary>
    DecodedImage Decode(ReadOnlyMemory<byte> data, string sourceName, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="stream"/> (at most the byte limit) and decodes it.</summary>
    DecodedImage Decode(Stream stream, string sourceName, CancellationToken cancellationToken = default);
}
