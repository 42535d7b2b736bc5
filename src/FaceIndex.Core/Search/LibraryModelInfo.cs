namespace FaceIndex.Search;

/// <summary>One model a library holds embeddings of: how many faces, whether it is the default, and its face index.</summary>
/// <param name="ModelId">The model id stored with its embeddings.</param>
/// <param name="Faces">Faces with an embedding of it.</param>
/// <param name="IsDefault">The library's default model (the one it was first indexed with; queries use it unless told otherwise).</param>
/// <param name="IndexFolder">Where its face index files are (the library folder for the default model).</param>
/// <param name="Index">Its saved index's description, or null when none is built.</param>
public sealed record LibraryModelInfo(string ModelId, long Faces, bool IsDefault, string IndexFolder, IndexMeta? Index);
