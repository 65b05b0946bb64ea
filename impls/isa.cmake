# ISA-specific objects of convimpls. The GEMM microkernel (impls/gemm_ukernel.c,
# portable C) is compiled once per instruction set, each time with its own
# -m flags and register tile; gemm.c lists the variants and picks one at run
# time with conv_cpu_isa(). Only these objects get -m flags, so the binary
# still runs on any CPU of its architecture.

# convbench_gemm_ukernel(<variant> <CONV_ISA_ bit> <MR> <NR> [compile flags...])
# defines gemm_kernel_<variant>, an MR x NR tile kernel.
function(convbench_gemm_ukernel variant isa mr nr)
  set(target gemm_ukernel_${variant})
  add_library(${target} OBJECT impls/gemm_ukernel.c)
  target_include_directories(${target} PRIVATE impls)
  target_compile_definitions(${target} PRIVATE
    UKERNEL_VARIANT=${variant} UKERNEL_ISA=${isa} MR=${mr} NR=${nr})
  # -fopenmp-simd honours the kernel's `omp simd` pragma without OpenMP's runtime.
  target_compile_options(${target} PRIVATE ${ARGN} -fopenmp-simd)
  target_sources(convimpls PRIVATE $<TARGET_OBJECTS:${target}>)
endfunction()

# Tiles measured on Zen 4 (tests/test_gemm.c checks every variant):
# generic: the architecture's baseline (SSE2 on x86-64, 16 registers of 4
#   floats): 4x8 = 8 accumulator registers, with room for B and A.
convbench_gemm_ukernel(generic CONV_ISA_NONE 4 8)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  # avx2: 16 ymm registers: 6x16 = 12 accumulators + 2 of B + 1 broadcast.
  convbench_gemm_ukernel(avx2 CONV_ISA_AVX2 6 16 -mavx2 -mfma)
  # avx512: 32 zmm registers: 8x32 = 16 accumulators + 2 of B + 1 broadcast.
  # 14x32 (28 accumulators) is as fast on a 1024^3 GEMM, but 8 rows divide
  # every layer's output channels and 32 columns 56x56 and 112x112 pixels.
  convbench_gemm_ukernel(avx512 CONV_ISA_AVX512 8 32 -mavx512f -mfma)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  # neon: 32 q registers of 4 floats; Advanced SIMD is baseline on AArch64,
  # so no flags. 8x8 = 16 accumulators + 2 of B + 8 holding A's values (GCC
  # loads A as scalars and multiplies by lane 0). 8x12 (24 accumulators)
  # would be the textbook tile, but GCC 12 then needs 35 registers and its
  # depth loop spills (5 stack accesses in 40 instructions, checked with
  # aarch64-linux-gnu-objdump); 8x8's loop is 16 fmla, 6 loads, no spill,
  # and 8 rows divide every layer's output channels. Not measured on
  # hardware: tests run it under qemu, where speed means nothing.
  convbench_gemm_ukernel(neon CONV_ISA_NEON 8 8)
endif()
