#ifndef MIAUDIT_ADAMW_KERNEL_H
#define MIAUDIT_ADAMW_KERNEL_H

#include <stddef.h>

/// The scalars of one AdamW update at step t (Loshchilov & Hutter 2019, PyTorch's operation order).
typedef struct {
    float beta1;                  /// β₁
    float one_minus_beta1;        /// 1 − β₁, rounded to float once
    float beta2;                  /// β₂
    float one_minus_beta2;        /// 1 − β₂, rounded to float once
    float epsilon;                /// ε
    float decay;                  /// 1 − η·λ
    float step_size;              /// η / (1 − β₁ᵗ)
    float root_correction2;       /// √(1 − β₂ᵗ)
} miaudit_adamw_scalars;

/// Which instructions `miaudit_adamw_update` uses. Every path gives the same bits: each element
/// goes through the same correctly rounded float operations in the same order, and the file is
/// compiled without contracting a·b + c into fused multiply-adds.
typedef enum {
    MIAUDIT_ADAMW_BEST = 0,       /// the widest path this processor supports
    MIAUDIT_ADAMW_SCALAR = 1,     /// one element at a time
    MIAUDIT_ADAMW_SSE = 2,        /// 4 lanes (every x86-64 processor)
    MIAUDIT_ADAMW_AVX = 3,        /// 8 lanes, when the processor and the OS support AVX
} miaudit_adamw_path;

/// The path `MIAUDIT_ADAMW_BEST` takes on this processor (SCALAR off x86-64).
miaudit_adamw_path miaudit_adamw_best_path(void);

/// One fused AdamW pass over `count` elements, updating the moments and the parameters in place:
///     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g·g;  θ ← θ·(1 − ηλ) − (η/(1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + ε)
/// Each element is read once and written once. With `clear_gradient` nonzero the pass also sets
/// each gradient element to 0 once read, so that the next step's sgemm can accumulate into it
/// (β = 1) without OpenBLAS's separate pass that zeroes the output. A path the processor lacks
/// falls back to the best available one. The four arrays must not overlap.
void miaudit_adamw_update(float *parameters, float *gradient, float *first_moment, float *second_moment,
                          size_t count, const miaudit_adamw_scalars *scalars, int clear_gradient,
                          miaudit_adamw_path path);

#endif
