namespace FaceIndex.Imaging;

/// <summary>The six container formats FaceIndex decodes; anything else is refused before a decoder sees it.</summary>
public enum ImageFormatKind
{
    Jpeg,
    Png,
    Webp,
    Bmp,
    Gif,
    Tiff,
}
