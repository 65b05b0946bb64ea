# The direct SIMD convolution (impls/direct_simd.c, written against the vector
# abstraction impls/simd.h) is compiled once per instruction set, each object
# with its own -m flags, ISA macro and exported symbol conv_impl_direct_<variant>.
# Only these objects get -m flags; the registry picks at run time through
# conv_impl.isa, so the binary still runs on any CPU of its architecture.

# convbench_direct(<variant> <SIMD_ macro> [compile flags...])
function(convbench_direct variant simd)
  set(target direct_${variant})
  add_library(${target} OBJECT impls/direct_simd.c)
  target_include_directories(${target} PRIVATE impls)
  target_compile_definitions(${target} PRIVATE ${simd} DIRECT_VARIANT=${variant})
  target_compile_options(${target} PRIVATE ${ARGN})
  # -fopenmp for the object (its threads: one parallel region per phase).
  target_link_libraries(${target} PRIVATE OpenMP::OpenMP_C)
  target_sources(convimpls PRIVATE $<TARGET_OBJECTS:${target}>)
endfunction()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  convbench_direct(avx512 SIMD_AVX512 -mavx512f -mfma)
  convbench_direct(avx2 SIMD_AVX2 -mavx2 -mfma)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  convbench_direct(neon SIMD_NEON)
endif()
