// GPU kernel of NegTrainWord2vec (declared in op_library.py), compiled by NVRTC through CuPy.
//
// One thread per (example, label) pair; the negative samples are drawn beforehand on the device
// (n x num_negative, by CuPy in the kernel builder). Each thread scores its targets against its
// example's input vector with neg_train's rule (word2vec_kernels.c), but applies the input
// vector's update at each target rather than after all of them, and adds with atomicAdd, since
// the pairs of one batch share rows (TF's CPU kernel updates without any synchronization).
extern "C" __global__ void neg_train_gpu(float* w_in, float* w_out, const int* examples, const int* labels,
                                         const int* negatives, float lr, int num_negative, long long dim,
                                         long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float* v_in = w_in + (long long)examples[i] * dim;
    for (int j = 0; j <= num_negative; ++j) {
        int target = j == 0 ? labels[i] : negatives[i * num_negative + (j - 1)];
        float* v_out = w_out + (long long)target * dim;
        float score = 0.0f;
        for (long long d = 0; d < dim; ++d) score += v_in[d] * v_out[d];
        float g = lr * ((j == 0 ? 1.0f : 0.0f) - 1.0f / (1.0f + expf(-score)));
        for (long long d = 0; d < dim; ++d) {
            atomicAdd(&v_in[d], g * v_out[d]);
            atomicAdd(&v_out[d], g * v_in[d]);
        }
    }
}
