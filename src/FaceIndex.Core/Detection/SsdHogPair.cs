namespace FaceIndex.Detection;

/// <summary>One face both detectors found: its image, the SSD box and the HOG box.</summary>
public sealed record SsdHogPair(string Image, SsdDetection Ssd, FaceBox Hog);
