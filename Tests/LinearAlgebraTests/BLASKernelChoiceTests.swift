import Testing

@testable import LinearAlgebra

/// The kernel gapdb asks OpenBLAS for when it falls back to a generic one.
@Suite struct BLASKernelChoiceTests {
  @Test func preferredCore_withAVX512Subsets_isSkylakeX() {
    let flags: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    #expect(BLASKernel.preferredCore(flags: flags) == "SkylakeX")
  }

  @Test func preferredCore_zen3WithoutAVX512_isHaswell() {
    // AMD Zen 3 (EPYC 7003): AVX2 and FMA, no AVX-512; SkylakeX would fault there.
    let flags: Set<String> = ["sse4_2", "avx", "avx2", "fma", "bmi2", "vaes"]
    #expect(BLASKernel.preferredCore(flags: flags) == "Haswell")
  }

  @Test func preferredCore_partialAVX512_isHaswell() {
    // Knights Landing style: avx512f and avx512cd without BW/DQ/VL.
    let flags: Set<String> = ["avx2", "fma", "avx512f", "avx512cd", "avx512er", "avx512pf"]
    #expect(BLASKernel.preferredCore(flags: flags) == "Haswell")
  }
}
