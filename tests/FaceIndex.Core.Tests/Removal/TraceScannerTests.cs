using System.Runtime.InteropServices;
using FaceIndex.Removal;

namespace FaceIndex.Tests.Removal;

/// <summary>The byte search behind removal verification.</summary>
public sealed class TraceScannerTests
{
    [Fact]
    public void An_embedding_is_found_at_any_byte_offset_in_either_stored_form_and_not_once_overwritten()
    {
        var rng = new Random(3);
        var embedding = Enumerable.Range(0, 128).Select(_ => (float)((rng.NextDouble() * 0.4) - 0.2)).ToArray();
        var bytes = MemoryMarshal.AsBytes(embedding.AsSpan()).ToArray();
        var fingerprints = TraceScanner.Fingerprints(1, 99, bytes);
        var half = new byte[256];
        for (var i = 0; i < 128; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(i * 2), (Half)embedding[i]);
        }

        var path = Path.Combine(Path.GetTempPath(), "faceindex-trace-" + Guid.NewGuid().ToString("N"));
        try
        {
            // 3 MiB of noise with the float32 form at an odd offset across the 1 MiB read boundary, and the float16 form later.
            var file = new byte[3 << 20];
            rng.NextBytes(file);
            bytes.CopyTo(file, (1 << 20) - 101);
            half.CopyTo(file, 2_500_001);
            File.WriteAllBytes(path, file);
            Assert.Equal(2, TraceScanner.Scan(path, fingerprints));

            file[(1 << 20) + 7] ^= 0xFF;
            Array.Clear(file, 2_500_001, 256);
            File.WriteAllBytes(path, file);
            Assert.Equal(0, TraceScanner.Scan(path, fingerprints));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
