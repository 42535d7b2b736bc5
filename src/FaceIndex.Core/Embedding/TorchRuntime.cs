using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace FaceIndex.Embedding;

/// <summary>Process-wide libtorch settings the embedder needs: thread count and a quiet log.</summary>
internal static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _initialised;

    /// <summary>Loads libtorch once and silences its per-call warnings; then sets the intra-op thread count if given.</summary>
    public static void Initialise(int? threads)
    {
        lock (Gate)
        {
            if (!_initialised)
            {
                // The first tensor loads the native libraries.
                using (zeros(1))
                {
                }

                QuietWarnings();
                _initialised = true;
            }

            if (threads is { } n)
            {
                set_num_threads(n);
            }
        }
    }

    // libtorch probes NNPACK on every conv and, where cpuinfo cannot read the caches (as in some VMs), logs
    // "Could not initialize NNPACK! Reason: Unsupported hardware." each time: 29 lines a forward pass. NNPACK is only
    // ever used for batches >= 16 and the other kernels are used instead, so the warning is noise. c10 reads
    // TORCH_CPP_LOG_LEVEL only when a Python front end initialises logging, hence the direct write of the flag it
    // checks; a user's TORCH_CPP_LOG_LEVEL wins.
    private static void QuietWarnings()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL")))
        {
            return;
        }

        const int error = 2;
        foreach (var name in new[] { "libc10.so", "libc10.dylib", "c10.dll" })
        {
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "FLAGS_caffe2_log_level", out var flag))
            {
                if (Marshal.ReadInt32(flag) < error)
                {
                    Marshal.WriteInt32(flag, error);
                }

                return;
            }
        }
    }
}
