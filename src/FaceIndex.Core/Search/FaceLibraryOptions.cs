using FaceIndex.Detection;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>Options of <see cref="FaceLibrary.Open"/>.</summary>
/// <param name="Engine">Model options (flip TTA must match the indexed model id); null for defaults.</param>
/// <param name="Upsample">Detector upsample for query photos (1 finds faces down to ~40 px).</param>
/// <param name="Search">Index options used when the index has to be rebuilt.</param>
/// <param name="Log">Receives messages such as 'rebuilding the index'.</param>
/// <param name="DetectMaxSide">Query photos larger than this are detected on a copy of this size (see <see cref="PipelineOptions.DetectMaxSide"/>); 0 turns it off.</param>
/// <param name="Detector">The face detector for query photos.</param>
public sealed record FaceLibraryOptions(EngineOptions? Engine = null, int Upsample = 1, SearchIndexOptions? Search = null, Action<string>? Log = null, int DetectMaxSide = 640, DetectorKind Detector = DetectorKind.HogThenSsd);
