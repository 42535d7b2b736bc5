using System.Text.Json;

namespace FaceIndex.Catalog;

/// <summary>
/// Merges a SQLite library (a shard, or another dataset) into a catalog of any backend through the catalog contract:
/// what <c>merge LIB... --into postgresql://...</c> does. Datasets by name, each source run as a run of the target
/// (its settings wrapped with where it came from, its status, counts and timings kept), images exactly once by
/// (dataset, path) with their faces, and removal requests, which the target applies to everything it holds. An image
/// the target already holds with the same content is left alone, so merging the same library again adds nothing.
/// A SQLite target keeps using <see cref="FaceCatalog.MergeFrom"/>, which also keeps each run's start time.
/// </summary>
public static class CatalogMerger
{
    private const int Batch = 256;

    /// <summary>Merges <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static MergeSummary Merge(FaceCatalog source, IFaceCatalog target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        int datasetsAdded = 0, runsAdded = 0, added = 0, replaced = 0, unchanged = 0, faces = 0, removalsAdded = 0, facesRemoved = 0;
        foreach (var dataset in source.Datasets())
        {
            var name = dataset.Info.Name;
            if (target.GetDataset(name) is { } known)
            {
                if (!string.Equals(known.Info.Licence, dataset.Info.Licence, StringComparison.Ordinal) || known.Info.Layout != dataset.Info.Layout)
                {
                    throw new CatalogException(
                        $"cannot merge {source.Library} into {target.Location}: the dataset \"{name}\" has licence \"{dataset.Info.Licence}\" and layout {dataset.Info.Layout} there but \"{known.Info.Licence}\" and {known.Info.Layout} here; these are not the same dataset (rename one).");
                }
            }
            else
            {
                datasetsAdded++;
            }

            target.RegisterDataset(dataset.Info, dataset.RootPath);
            var done = target.LoadDone(name);
            var merged = target.Runs(name).Select(r => r.SettingsJson).ToHashSet(StringComparer.Ordinal);
            var images = source.IndexedImages(name).ToLookup(i => i.RunId, i => i.Image);
            foreach (var run in source.Runs(name).OrderBy(r => r.Id))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var settings = JsonSerializer.Serialize(new { mergedFrom = source.DatabasePath, sourceRun = run.Id, sourceStartedAt = run.StartedAt, settings = run.SettingsJson });
                var news = images[run.Id].Where(i => !done.ShouldSkip(i.RelPath, i.Sha256, i.SizeBytes)).ToList();
                unchanged += images[run.Id].Count() - news.Count;
                if (news.Count == 0 && merged.Contains(settings))
                {
                    continue;
                }

                var runId = target.StartRun(name, settings, run.VersionsJson);
                runsAdded++;
                foreach (var chunk in news.Chunk(Batch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    faces += target.CommitBatch(runId, chunk).Faces;
                    foreach (var image in chunk)
                    {
                        if (done.Get(image.RelPath) is null)
                        {
                            added++;
                        }
                        else
                        {
                            replaced++;
                        }
                    }
                }

                target.FinishRun(runId, run.Status == RunStatus.Running ? RunStatus.Interrupted : run.Status, run.CountsJson, run.TimingsJson);
            }

            var requests = target.Removals(name).Select(r => (r.Kind, r.Value)).ToHashSet();
            foreach (var removal in source.Removals(name).Where(r => !requests.Contains((r.Kind, r.Value))))
            {
                var applied = removal.Kind == RemovalKind.Identity
                    ? target.RemoveIdentity(name, removal.Value, removal.Reason)
                    : target.RemoveImage(name, removal.Value, removal.Reason);
                removalsAdded++;
                facesRemoved += applied.FacesRemoved;
            }
        }

        return new MergeSummary(source.DatabasePath, datasetsAdded, runsAdded, added, replaced, unchanged, faces, removalsAdded, facesRemoved);
    }
}
