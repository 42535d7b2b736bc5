using System.Diagnostics;
using System.Globalization;

namespace FaceIndex.Catalog;

/// <summary>
/// The one-writer-per-library lock: library/.lock opened with FileShare.None. On Linux and macOS .NET takes an
/// advisory flock(LOCK_EX) for that, which the kernel drops when the process ends in any way (kill -9 included),
/// so a crashed writer never leaves a stale lock. (Setting DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns this off.)
/// library/.lock.owner only names the holder in the refusal message.
/// </summary>
internal sealed class LibraryLock : IDisposable
{
    private readonly FileStream _stream;

    private LibraryLock(FileStream stream) => _stream = stream;

    public static string LockPath(string library) => Path.Combine(library, ".lock");

    /// <summary>Takes the lock, retrying until <paramref name="wait"/> has passed; throws <see cref="CatalogLockedException"/> after.</summary>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static LibraryLock Acquire(string library, TimeSpan wait)
    {
        var path = LockPath(library);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                WriteOwner(library);
                return new LibraryLock(stream);
            }
            catch (IOException ex) when (IsSharingViolation(ex))
            {
                if (clock.Elapsed >= wait)
                {
                    throw new CatalogLockedException(
                        $"the library {library} is being written by another FaceIndex process{Owner(library)} (its lock file {path} is held). " +
                        "Only one process may index into a library at a time: wait for the other one to finish or stop it, " +
                        "or ask to wait for the lock (a lock wait timeout). Searching and reading open the catalog read-only and need no lock.",
                        ex);
                }

                Thread.Sleep(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>EWOULDBLOCK from flock on Linux (11) and macOS (35); ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.</summary>
    private static bool IsSharingViolation(IOException ex)
        => ex.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    private static void WriteOwner(string library)
    {
        try
        {
            File.WriteAllText(
                LockPath(library) + ".owner",
                string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:u}\n"));
        }
        catch (IOException)
        {
            // The owner note is for messages only; the lock itself is what matters.
        }
    }

    private static string Owner(string library)
    {
        try
        {
            var text = File.ReadAllText(LockPath(library) + ".owner").Trim();
            return text.Length == 0 ? "" : $" ({text}, as it recorded)";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
