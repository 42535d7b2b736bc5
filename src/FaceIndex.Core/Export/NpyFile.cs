using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FaceIndex.Export;

/// <summary>
/// NumPy's .npy format (version 1.0) for a 2-d little-endian float32 matrix, C order: what <c>numpy.load</c>
/// reads without any option. Written and read here so an export round-trips without Python.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes <paramref name="rows"/> (each of <paramref name="columns"/> floats) as an (n, columns) float32 array.</summary>
    public static void Write(Stream stream, IReadOnlyList<float[]> rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(rows);
        var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {columns}), }}");

        // The header (magic, version, length, dict, newline) is padded with spaces to a multiple of 64 bytes.
        var unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        var padding = (64 - (unpadded % 64)) % 64;
        var header = dict + new string(' ', padding) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var buffer = new byte[columns * sizeof(float)];
        foreach (var row in rows)
        {
            if (row.Length != columns)
            {
                throw new ArgumentException($"a row has {row.Length} values, expected {columns}", nameof(rows));
            }

            for (var i = 0; i < columns; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), row[i]);
            }

            stream.Write(buffer);
        }
    }

    /// <summary>Reads a 2-d '&lt;f4' C-order array written by <see cref="Write"/> or by NumPy.</summary>
    public static float[][] Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new FaceIndexException("not a .npy file (its magic bytes differ)");
        }

        var major = reader.ReadByte();
        reader.ReadByte();
        var headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.ASCII.GetString(reader.ReadBytes(headerLength));
        var match = HeaderPattern().Match(header);
        if (!match.Success)
        {
            throw new FaceIndexException($"this .npy reader handles 2-d little-endian float32 C-order arrays only; the header is {header.Trim()}");
        }

        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var columns = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        var rows = new float[n][];
        for (var r = 0; r < n; r++)
        {
            var bytes = reader.ReadBytes(columns * sizeof(float));
            if (bytes.Length != columns * sizeof(float))
            {
                throw new FaceIndexException($"the .npy file ends after {r} of {n} rows");
            }

            rows[r] = new float[columns];
            for (var i = 0; i < columns; i++)
            {
                rows[r][i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            }
        }

        return rows;
    }

    [GeneratedRegex(@"'descr':\s*'<f4',\s*'fortran_order':\s*False,\s*'shape':\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex HeaderPattern();
}
