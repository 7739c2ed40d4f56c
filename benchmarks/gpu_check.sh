#!/usr/bin/env bash
# One command for a machine with a GPU: the GPU tests, then the benchmark suite, within about
# 8 minutes (step limits: 150 + 120 + 5 x 40 s = 7.8 minutes at most), everything written into OUTDIR
# (default gpu-check/):
#   OUTDIR/env.txt          GPU, driver, CuPy and Python versions
#   OUTDIR/gpu-tests.txt    python -m pytest -m gpu (the tests that need a real GPU)
#   OUTDIR/suite/           benchmarks/suite.py: results.md, results.json, charts
#   OUTDIR/fusion.txt       benchmarks/fusion.py (fused vs unfused steps)
#   OUTDIR/capture.txt      benchmarks/capture.py (CUDA-graph replay vs plain MLP steps, with the DEBUG
#                           lines saying why a plan was not captured); the capture and TF32 tests are
#                           among the GPU tests (tests/engine/test_graph_capture.py, test_tensor_float_32.py)
#   OUTDIR/cudnn_conv.txt   benchmarks/cudnn_conv.py (LeNet-5 step and a 3x3 conv layer: cuDNN vs im2col + GEMM
#                           vs PyTorch when installed, with the DEBUG lines of cases cuDNN did not take); the
#                           real-cuDNN tests are among the GPU tests (tests/kernels/test_cudnn_conv.py)
#   OUTDIR/pinned_batches.txt benchmarks/pinned_batches.py (queue-fed MLP steps: batches stacked in pinned
#                           memory and copied on the copy stream vs plain copies)
# Usage: bash benchmarks/gpu_check.sh OUTDIR
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check}
mkdir -p "$out"
python setup.py build_ext --inplace -q > "$out/build.txt" 2>&1 || echo "C extensions not built (NumPy paths run)" >> "$out/build.txt"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  python -c "import cupy, sys; print('cupy', cupy.__version__, 'cuda', cupy.cuda.runtime.runtimeGetVersion(), 'python', sys.version.split()[0])" 2>&1
  python -c "import cudnn; print('cudnn frontend', cudnn.__version__, 'backend', cudnn.backend_version())" 2>&1
} > "$out/env.txt"
timeout 150 python -m pytest -q -m gpu -p no:cacheprovider > "$out/gpu-tests.txt" 2>&1
echo "gpu tests: exit $?" | tee -a "$out/gpu-tests.txt"
timeout 120 python benchmarks/suite.py --out "$out/suite" --seconds 0.5 --repeats 3 > "$out/suite.txt" 2>&1
echo "suite: exit $?" | tee -a "$out/suite.txt"
timeout 40 python benchmarks/fusion.py > "$out/fusion.txt" 2>&1
echo "fusion: exit $?" | tee -a "$out/fusion.txt"
timeout 40 python benchmarks/capture.py --seconds 0.3 --repeats 3 --debug > "$out/capture.txt" 2>&1
echo "capture: exit $?" | tee -a "$out/capture.txt"
timeout 40 python benchmarks/cudnn_conv.py --seconds 0.3 --repeats 3 --debug > "$out/cudnn_conv.txt" 2>&1
echo "cudnn_conv: exit $?" | tee -a "$out/cudnn_conv.txt"
timeout 40 python benchmarks/pinned_batches.py --seconds 0.3 --repeats 3 > "$out/pinned_batches.txt" 2>&1
echo "pinned_batches: exit $?" | tee -a "$out/pinned_batches.txt"
grep -E "^\|" "$out/capture.txt"
grep -E "^\||^check|^cuDNN" "$out/cudnn_conv.txt"
grep -E "^\|" "$out/pinned_batches.txt"
cat "$out/suite/results.md" 2>/dev/null
