using System.Security.Cryptography;

namespace FaceIndex.Models;

/// <summary>One model file FaceIndex uses: where it is, what it must hash to, its licence and where it came from.</summary>
public sealed record ModelFile(
    string Name,
    string FileName,
    string Version,
    string Sha256,
    string Licence,
    string Source,
    string Note);

/// <summary>The pinned model files, and where to find them on this machine.</summary>
public static class ModelFiles
{
    /// <summary>face-api's port of dlib's ResNet-29 recognition network: the weights manifest.</summary>
    public static readonly ModelFile FaceApiManifest = new(
        "face-recognition manifest",
        "face_recognition_model-weights_manifest.json",
        "@vladmandic/face-api 1.7.15",
        "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
        "MIT (face-api); the original dlib model was released into the public domain",
        "npm package @vladmandic/face-api@1.7.15, model/ (fetched by scripts/setup.sh with npm pack, tarball sha512-pinned)",
        "tfjs weights manifest: 117 tensors, 109 uint8-quantised, 8 float32");

    /// <summary>face-api's port of dlib's ResNet-29 recognition network: the weights shard.</summary>
    public static readonly ModelFile FaceApiWeights = new(
        "face-recognition weights",
        "face_recognition_model.bin",
        "@vladmandic/face-api 1.7.15",
        "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
        "MIT (face-api); the original dlib model was released into the public domain",
        "npm package @vladmandic/face-api@1.7.15, model/ (fetched by scripts/setup.sh with npm pack, tarball sha512-pinned)",
        "dlib_face_recognition_resnet_model_v1, 5,614,592 parameters, 128-d output");

    /// <summary>face-api's SSD MobileNet v1 face detector: the weights manifest.</summary>
    public static readonly ModelFile SsdManifest = new(
        "SSD face detector manifest",
        "ssd_mobilenetv1_model-weights_manifest.json",
        "@vladmandic/face-api 1.7.15",
        "888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955",
        "MIT (face-api)",
        "npm package @vladmandic/face-api@1.7.15, model/ (fetched by scripts/setup.sh with npm pack, tarball sha512-pinned)",
        "tfjs weights manifest: 151 tensors (136 used), 150 uint8-quantised, the 5,118 prior boxes float32");

    /// <summary>face-api's SSD MobileNet v1 face detector: the weights shard.</summary>
    public static readonly ModelFile SsdWeights = new(
        "SSD face detector weights",
        "ssd_mobilenetv1_model.bin",
        "@vladmandic/face-api 1.7.15",
        "2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8",
        "MIT (face-api)",
        "npm package @vladmandic/face-api@1.7.15, model/ (fetched by scripts/setup.sh with npm pack, tarball sha512-pinned)",
        "SSD MobileNet v1 (512x512 input), 5,555,521 values");

    /// <summary>dlib's 68-point shape predictor, as Debian's libdlib-data ships it.</summary>
    public static readonly ModelFile ShapePredictor68 = new(
        "68-point shape predictor",
        "shape_predictor_68_face_landmarks.dat",
        "Debian libdlib-data 19.24+dfsg-1",
        "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
        "trained on iBUG 300-W, whose licence forbids commercial use; research use only",
        "Debian package libdlib-data (/usr/share/dlib), installed by scripts/setup.sh",
        "dlib ensemble of regression trees, 68 iBUG landmarks");

    /// <summary>faceplugin's face-recognition network (the second, optional model; see Embedding/Onnx/BundledModels).</summary>
    public static readonly ModelFile FacepluginFeature = new(
        "faceplugin face-recognition network (ONNX)",
        "fr_feature.onnx",
        "faceplugin-face-recognition-js 0.0.1",
        "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
        "MIT as published in the npm package; the provenance of the weights (training data, original authors) is undocumented: research evaluation only",
        "npm package faceplugin-face-recognition-js@0.0.1, model/fr_feature.onnx (fetched by scripts/setup.sh with npm pack, tarball sha512-pinned)",
        "MobileFaceNet-style network, ONNX opset 9, input [1,3,112,112] float32, output [1,512], not normalised");

    /// <summary>Every pinned model file.</summary>
    public static IReadOnlyList<ModelFile> All { get; } = [FaceApiManifest, FaceApiWeights, SsdManifest, SsdWeights, ShapePredictor68, FacepluginFeature];

    /// <summary>The folder holding bundled ONNX models: FACEINDEX_ONNX_MODELS, else artifacts/onnx/faceplugin-face-recognition-js-0.0.1 above the app.</summary>
    public static string FacepluginDirectory
    {
        get
        {
            const string Folder = "faceplugin-face-recognition-js-0.0.1";
            if (Environment.GetEnvironmentVariable("FACEINDEX_ONNX_MODELS") is { Length: > 0 } env)
            {
                return Path.Combine(env, Folder);
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "artifacts", "onnx", Folder);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "faceindex", "onnx", Folder);
        }
    }

    /// <summary>The folder holding face-api's files: FACEINDEX_MODELS, else artifacts/models/face-api-1.7.15 above the app.</summary>
    public static string FaceApiDirectory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("FACEINDEX_MODELS");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "artifacts", "models", "face-api-1.7.15");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "faceindex", "models", "face-api-1.7.15");
        }
    }

    /// <summary>The 68-point predictor: FACEINDEX_PREDICTOR, else Debian's /usr/share/dlib copy.</summary>
    public static string ShapePredictorPath =>
        Environment.GetEnvironmentVariable("FACEINDEX_PREDICTOR") is { Length: > 0 } env
            ? env
            : "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

    /// <summary>Where <paramref name="model"/> should be on this machine.</summary>
    public static string PathOf(ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model == ShapePredictor68 ? ShapePredictorPath
            : model == FacepluginFeature ? Path.Combine(FacepluginDirectory, model.FileName)
            : Path.Combine(FaceApiDirectory, model.FileName);
    }

    /// <summary>Returns the path of <paramref name="model"/>, or throws with what to do when it is missing.</summary>
    public static string Require(ModelFile model)
    {
        var path = PathOf(model);
        if (!File.Exists(path))
        {
            throw new FaceIndexException(
                $"{model.Name} not found at {path}: run 'bash scripts/setup.sh' (it installs {model.Source}), " +
                "or point FACEINDEX_MODELS / FACEINDEX_PREDICTOR at your copy");
        }

        return path;
    }

    /// <summary>sha256 of a file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Checks <paramref name="model"/>'s file against its pinned sha256; throws naming both hashes when it differs.</summary>
    public static string Verify(ModelFile model)
    {
        var path = Require(model);
        var actual = Sha256Of(path);
        if (!string.Equals(actual, model.Sha256, StringComparison.Ordinal))
        {
            throw new FaceIndexException(
                $"{model.Name} at {path} has sha256 {actual}, expected {model.Sha256} ({model.Version}): " +
                "the file is not the pinned one; delete it and rerun 'bash scripts/setup.sh'");
        }

        return path;
    }
}
