using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace FaceIndex.Embedding;

/// <summary>Process-wide libtorch settings the embedder needs: thread count, OpenMP wait policy and a quiet log.</summary>
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
                PassiveOpenMpWait();

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

    // libtorch's OpenMP threads spin at every barrier by default. On a machine whose cores are shared (a CI box,
    // or the pipeline's own decode/detect threads beside the embedder) a spinning thread holds a core its partner
    // needs: measured on the 2-core dev box under load, 2 threads fell to 130 ms/chip at batch 32 spinning and ran at
    // 10-35 ms/chip sleeping. libgomp reads OMP_WAIT_POLICY once, when libtorch loads, from the C environment (which
    // Environment.SetEnvironmentVariable does not change on Unix), so it is set here, before the first tensor, unless
    // the user set it. A process that loaded libtorch earlier keeps its own policy.
    private static void PassiveOpenMpWait()
    {
        if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")))
        {
            return;
        }

        // glibc's soname; elsewhere (musl) the policy is simply left as it is.
        if (NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "setenv", out var setenv))
        {
            unsafe
            {
                var call = (delegate* unmanaged<byte*, byte*, int, int>)setenv;
                fixed (byte* name = "OMP_WAIT_POLICY\0"u8, value = "PASSIVE\0"u8)
                {
                    _ = call(name, value, 0);
                }
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
