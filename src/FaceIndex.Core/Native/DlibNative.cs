using System.Reflection;
using System.Runtime.InteropServices;

namespace FaceIndex.Native;

/// <summary>P/Invoke declarations for libfaceindex_dlib (src/FaceIndex.Native), and where to find that library.</summary>
internal static unsafe partial class DlibNative
{
    public const string LibraryName = "faceindex_dlib";
    public const string FileName = "libfaceindex_dlib.so";

    /// <summary>The ABI version this wrapper was written for (fi_abi_version).</summary>
    public const int AbiVersion = 1;

    public const int Ok = 0;
    public const int ErrorArgument = -1;
    public const int ErrorIo = -2;
    public const int ErrorFormat = -3;
    public const int ErrorMemory = -4;

    private static readonly Lazy<(nint Handle, string Searched)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string?> LoadProblem = new(Verify, LazyThreadSafetyMode.ExecutionAndPublication);

    static DlibNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(DlibNative).Assembly, Resolve);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Rect
    {
        public int Left;
        public int Top;
        public int Right;
        public int Bottom;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Point
    {
        public int X;
        public int Y;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Detection
    {
        public Rect Rect;
        public double Score;
        public int WeightIndex;
        public int Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ChipDetails
    {
        public double Left;
        public double Top;
        public double Right;
        public double Bottom;
        public double Angle;
        public int Rows;
        public int Cols;
    }

    [LibraryImport(LibraryName, EntryPoint = "fi_abi_version")]
    public static partial int AbiVersionOfLibrary();

    [LibraryImport(LibraryName, EntryPoint = "fi_dlib_version")]
    public static partial nint DlibVersion();

    [LibraryImport(LibraryName, EntryPoint = "fi_last_error")]
    public static partial nint LastError();

    [LibraryImport(LibraryName, EntryPoint = "fi_detector_create")]
    public static partial int DetectorCreate(out FrontalFaceDetectorHandle detector);

    [LibraryImport(LibraryName, EntryPoint = "fi_detector_clone")]
    public static partial int DetectorClone(FrontalFaceDetectorHandle source, out FrontalFaceDetectorHandle detector);

    [LibraryImport(LibraryName, EntryPoint = "fi_detector_destroy")]
    public static partial void DetectorDestroy(nint detector);

    [LibraryImport(LibraryName, EntryPoint = "fi_detector_detect")]
    public static partial int DetectorDetect(
        FrontalFaceDetectorHandle detector, byte* rgb, int width, int height, int stride, int upsample,
        double adjustThreshold, Detection* results, int capacity, out int count);

    [LibraryImport(LibraryName, EntryPoint = "fi_detector_results")]
    public static partial int DetectorResults(FrontalFaceDetectorHandle detector, Detection* results, int capacity, out int count);

    [LibraryImport(LibraryName, EntryPoint = "fi_predictor_load", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PredictorLoad(string path, out ShapePredictorHandle predictor);

    [LibraryImport(LibraryName, EntryPoint = "fi_predictor_destroy")]
    public static partial void PredictorDestroy(nint predictor);

    [LibraryImport(LibraryName, EntryPoint = "fi_predictor_num_parts")]
    public static partial int PredictorNumParts(ShapePredictorHandle predictor, out int parts);

    [LibraryImport(LibraryName, EntryPoint = "fi_predictor_predict")]
    public static partial int PredictorPredict(
        ShapePredictorHandle predictor, byte* rgb, int width, int height, int stride, in Rect box, Point* points, int capacity);

    [LibraryImport(LibraryName, EntryPoint = "fi_face_chip_details")]
    public static partial int FaceChipDetails(Point* points, int count, int size, double padding, out ChipDetails details);

    [LibraryImport(LibraryName, EntryPoint = "fi_extract_image_chip")]
    public static partial int ExtractImageChip(
        byte* rgb, int width, int height, int stride, in ChipDetails details, byte* chip, int chipStride);

    [LibraryImport(LibraryName, EntryPoint = "fi_get_face_chip")]
    public static partial int GetFaceChip(
        byte* rgb, int width, int height, int stride, Point* points, int count, int size, double padding, byte* chip, int chipStride);

    /// <summary>Loads the library (once) or throws a <see cref="FaceIndexException"/> saying where it looked and what to do.</summary>
    public static void EnsureLoaded()
    {
        if (LoadProblem.Value is { } problem)
        {
            throw new FaceIndexException(problem);
        }
    }

    /// <summary>Throws a <see cref="FaceIndexException"/> carrying the native error message when <paramref name="code"/> is not <see cref="Ok"/>.</summary>
    public static void Check(int code, string what)
    {
        if (code != Ok)
        {
            throw new FaceIndexException($"{what} failed in dlib ({CodeName(code)}): {LastErrorMessage()}");
        }
    }

    /// <summary>The calling thread's last native error message.</summary>
    public static string LastErrorMessage() => Marshal.PtrToStringUTF8(LastError()) ?? string.Empty;

    public static string CodeName(int code) => code switch
    {
        ErrorArgument => "invalid argument",
        ErrorIo => "I/O error",
        ErrorFormat => "bad file format",
        ErrorMemory => "out of memory",
        _ => $"error {code}",
    };

    private static string? Verify()
    {
        var (handle, searched) = Loaded.Value;
        if (handle == 0)
        {
            return $"the dlib shim {FileName} was not found or could not be loaded (looked in: {searched}): " +
                "run 'bash scripts/setup.sh' to build it into artifacts/native, or set FACEINDEX_NATIVE to the folder holding it";
        }

        var abi = AbiVersionOfLibrary();
        return abi == AbiVersion
            ? null
            : $"the dlib shim {FileName} has ABI version {abi}, this FaceIndex expects {AbiVersion}: " +
                "rebuild it with 'bash scripts/setup.sh' (delete artifacts/native first)";
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? Loaded.Value.Handle : 0;

    private static (nint Handle, string Searched) Load()
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, FileName) };
        if (Environment.GetEnvironmentVariable("FACEINDEX_NATIVE") is { Length: > 0 } env)
        {
            candidates.Insert(0, Path.Combine(env, FileName));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "artifacts", "native", FileName));
        }

        foreach (var path in candidates)
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return (handle, string.Join(", ", candidates));
            }
        }

        // Last, the system's own search (LD_LIBRARY_PATH, ldconfig), for an installed copy.
        return NativeLibrary.TryLoad(FileName, out var system)
            ? (system, "the system library path")
            : (0, string.Join(", ", candidates) + ", the system library path");
    }
}
