namespace FaceIndex.Detection;

/// <summary>Which face detector a pipeline runs.</summary>
public enum DetectorKind
{
    /// <summary>dlib's HOG frontal face detector (the default: fast, frontal faces of ~40 px and up at upsample 1).</summary>
    Hog,

    /// <summary>face-api's SSD MobileNet v1 (a CNN: turned, tilted and partly hidden faces too; slower).</summary>
    Ssd,

    /// <summary>HOG, and SSD only on images where HOG finds no face.</summary>
    HogThenSsd,
}
