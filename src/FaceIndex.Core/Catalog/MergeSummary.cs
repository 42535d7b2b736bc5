namespace FaceIndex.Catalog;

/// <summary>What merging one library's catalog into another did.</summary>
/// <param name="Source">The merged catalog file.</param>
/// <param name="DatasetsAdded">Datasets new to the target (the others were matched by name, licence and layout).</param>
/// <param name="RunsAdded">Indexing runs copied (a run already there, same dataset, start and settings, is not copied twice).</param>
/// <param name="ImagesAdded">Images new to the target.</param>
/// <param name="ImagesReplaced">Images the target had from an older indexing of a changed file.</param>
/// <param name="ImagesUnchanged">Images the target already had, same content, indexed as recently or later (a merge run twice adds nothing).</param>
/// <param name="FacesAdded">Faces copied with the added and replaced images.</param>
/// <param name="RemovalsAdded">Removal requests copied.</param>
/// <param name="FacesRemoved">Faces deleted because a removal request (of either library) covers them.</param>
public sealed record MergeSummary(
    string Source,
    int DatasetsAdded,
    int RunsAdded,
    int ImagesAdded,
    int ImagesReplaced,
    int ImagesUnchanged,
    int FacesAdded,
    int RemovalsAdded,
    int FacesRemoved);
