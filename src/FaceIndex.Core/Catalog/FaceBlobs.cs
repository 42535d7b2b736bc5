using System.Buffers.Binary;
using System.Runtime.InteropServices;
using FaceIndex.Detection;
using FaceIndex.Landmarks;

namespace FaceIndex.Catalog;

/// <summary>
/// The catalog's compact encodings. Landmarks: a format byte, a point count, then each point as a pair of
/// zig-zag varints, the first relative to the box's top-left corner and each next one relative to the previous
/// point. The 68 points run along contours, so steps are small: about 1 byte a coordinate for faces under ~60 px
/// between neighbours, 2 bytes for large faces; lossless for any int32. Embeddings: float32 little-endian.
/// </summary>
internal static class FaceBlobs
{
    private const byte LandmarkFormat = 1;

    /// <summary>The most bytes <see cref="EncodeLandmarks"/> can write for a point count.</summary>
    public static int MaxLandmarkBytes(int points) => 2 + (points * 2 * 5);

    public static byte[] EncodeLandmarks(FaceBox box, IReadOnlyList<LandmarkPoint> points)
    {
        if (points.Count > byte.MaxValue)
        {
            throw new ArgumentException($"at most {byte.MaxValue} landmarks can be stored, got {points.Count}", nameof(points));
        }

        Span<byte> buffer = stackalloc byte[MaxLandmarkBytes(points.Count)];
        buffer[0] = LandmarkFormat;
        buffer[1] = (byte)points.Count;
        var at = 2;
        long prevX = box.Left, prevY = box.Top;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            at += WriteZigZag(buffer[at..], p.X - prevX);
            at += WriteZigZag(buffer[at..], p.Y - prevY);
            prevX = p.X;
            prevY = p.Y;
        }

        return buffer[..at].ToArray();
    }

    public static LandmarkPoint[] DecodeLandmarks(FaceBox box, ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 2 || blob[0] != LandmarkFormat)
        {
            throw new FaceIndexException($"a landmark blob in the catalog has an unknown format ({(blob.Length == 0 ? "empty" : $"format byte {blob[0]}")}); the catalog was written by a newer FaceIndex or is damaged: run a catalog check");
        }

        var points = new LandmarkPoint[blob[1]];
        var at = 2;
        long x = box.Left, y = box.Top;
        for (var i = 0; i < points.Length; i++)
        {
            x += ReadZigZag(blob, ref at);
            y += ReadZigZag(blob, ref at);
            points[i] = new LandmarkPoint(checked((int)x), checked((int)y));
        }

        return points;
    }

    public static byte[] EncodeEmbedding(ReadOnlySpan<float> embedding)
    {
        var bytes = new byte[embedding.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(embedding).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < embedding.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), embedding[i]);
            }
        }

        return bytes;
    }

    /// <summary>A stored embedding blob (little-endian float32s) as a new array.</summary>
    public static float[] DecodeEmbedding(ReadOnlySpan<byte> bytes)
    {
        var embedding = new float[bytes.Length / sizeof(float)];
        DecodeEmbedding(bytes, embedding);
        return embedding;
    }

    /// <summary>Reads little-endian float32s into <paramref name="destination"/>, in place on little-endian machines.</summary>
    public static void DecodeEmbedding(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
    }

    private static int WriteZigZag(Span<byte> destination, long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        var n = 0;
        while (v >= 0x80)
        {
            destination[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        destination[n++] = (byte)v;
        return n;
    }

    private static long ReadZigZag(ReadOnlySpan<byte> source, ref int at)
    {
        ulong v = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= source.Length)
            {
                throw new FaceIndexException("a landmark blob in the catalog is truncated; the catalog is damaged: run a catalog check");
            }

            var b = source[at++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(v >> 1) ^ -(long)(v & 1);
            }
        }

        throw new FaceIndexException("a landmark blob in the catalog has an over-long number; the catalog is damaged: run a catalog check");
    }
}
