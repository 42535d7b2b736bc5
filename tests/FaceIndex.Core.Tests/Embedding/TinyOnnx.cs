using System.Text;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>
/// Writes a small ONNX model by hand-encoding its protobuf (no ONNX library): input → Flatten → MatMul(W) → Add(b) →
/// output, so an ONNX Runtime session can be tested without a large file and its output computed independently.
/// Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, TypeProto).
/// </summary>
internal static class TinyOnnx
{
    /// <summary>The model's bytes. Input dims of -1 are symbolic ("N"); <paramref name="weights"/> is [features x outputs], row-major.</summary>
    public static byte[] Linear(string inputName, long[] inputDims, float[] weights, float[] bias, string outputName)
    {
        var outputs = bias.Length;
        var features = weights.Length / outputs;
        var graph = new Proto()
            .Message(1, Node([inputName], ["flat"], "Flatten", "flatten"))
            .Message(1, Node(["flat", "W"], ["mm"], "MatMul", "matmul"))
            .Message(1, Node(["mm", "b"], [outputName], "Add", "add"))
            .String(2, "tiny-linear")
            .Message(5, Tensor("W", [features, outputs], weights))
            .Message(5, Tensor("b", [outputs], bias))
            .Message(11, ValueInfo(inputName, inputDims))
            .Message(12, ValueInfo(outputName, [inputDims[0], outputs]));
        return new Proto()
            .Varint(1, 7) // ir_version
            .String(2, "faceindex-tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, string.Empty).Varint(2, 13)) // opset_import: default domain, opset 13
            .ToArray();
    }

    private static Proto Node(string[] inputs, string[] outputs, string op, string name)
    {
        var node = new Proto();
        foreach (var i in inputs)
        {
            node.String(1, i);
        }

        foreach (var o in outputs)
        {
            node.String(2, o);
        }

        return node.String(3, name).String(4, op);
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var t = new Proto();
        foreach (var d in dims)
        {
            t.Varint(1, d);
        }

        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length); // little-endian, as raw_data requires
        return t.Varint(2, 1).String(8, name).Bytes(9, raw); // data_type FLOAT = 1
    }

    private static Proto ValueInfo(string name, long[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            shape.Message(1, d < 0 ? new Proto().String(2, "N") : new Proto().Varint(1, d));
        }

        var tensorType = new Proto().Varint(1, 1).Message(2, shape); // elem_type FLOAT, shape
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>A protobuf message under construction: varint and length-delimited fields only.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Varint(int field, long value)
        {
            Key(field, 0);
            Write((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Write((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void Key(int field, int wireType) => Write((ulong)((field << 3) | wireType));

        private void Write(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }
}
