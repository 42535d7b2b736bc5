using FaceIndex.Imaging;

namespace FaceIndex.Embedding;

/// <summary>Turns aligned face chips into fixed-length embeddings. Thread-safe for concurrent Embed calls unless stated.</summary>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>A stable id of the model and its weights, stored with every embedding (e.g. "dlib-resnet-v1/face-api-1.7.15").</summary>
    string ModelId { get; }

    /// <summary>Length of each embedding.</summary>
    int Dimension { get; }

    /// <summary>The chip side length the model expects.</summary>
    int ChipSize { get; }

    /// <summary>Embeds a batch of chips (each ChipSize x ChipSize); returns one vector per chip, in order.</summary>
    float[][] Embed(IReadOnlyList<RgbImage> chips);
}
