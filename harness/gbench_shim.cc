// The C shim over Google Benchmark (1.7). Benchmarks are registered one at
// a time, run with a custom reporter that hands each repetition's time back
// to C, and forwarded to one JSONReporter so the whole run is a single
// Google Benchmark JSON document.
#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

struct json_sink {
    std::ofstream file;
    benchmark::JSONReporter reporter;
    bool context_written = false;
};
std::unique_ptr<json_sink> g_json;

class sample_reporter : public benchmark::BenchmarkReporter {
  public:
    sample_reporter(gb_sample_fn fn, void *user) : fn_(fn), user_(user) {}
    bool ReportContext(const Context &ctx) override {
        if (g_json && !g_json->context_written) {
            g_json->reporter.ReportContext(ctx);
            g_json->context_written = true;
        }
        return true;
    }
    void ReportRuns(const std::vector<Run> &runs) override {
        for (const Run &r : runs) {
            if (r.error_occurred) {
                error_ = r.error_message;
                continue;
            }
            if (r.run_type != Run::RT_Iteration || r.iterations <= 0) continue;
            reported_++;
            if (fn_)
                fn_(user_, (int)(r.repetition_index < 0 ? 0 : r.repetition_index),
                    r.real_accumulated_time / (double)r.iterations, (int64_t)r.iterations);
        }
        if (g_json) g_json->reporter.ReportRuns(runs);
    }
    void Finalize() override {}
    int reported() const { return reported_; }
    const std::string &error() const { return error_; }

  private:
    gb_sample_fn fn_;
    void *user_;
    int reported_ = 0;
    std::string error_;
};

}  // namespace

extern "C" int gb_run(const gb_spec *spec, gb_sample_fn on_sample, void *user, char *err,
                      size_t errlen) {
    const gb_spec s = *spec;
    benchmark::ClearRegisteredBenchmarks();
    auto *b = benchmark::RegisterBenchmark(s.name, [s](benchmark::State &st) {
        for (auto _ : st) s.body(s.ctx);
        if (s.flops > 0)
            st.counters["FLOPS"] =
                benchmark::Counter(s.flops, benchmark::Counter::kIsIterationInvariantRate);
    });
    b->Repetitions(s.repetitions < 1 ? 1 : s.repetitions)
        ->MinTime(s.min_time > 0 ? s.min_time : 0.01)
        ->UseRealTime()  // OpenMP kernels: wall time is what the user waits for
        ->Unit(benchmark::kMillisecond);
    if (s.min_warmup_time > 0) b->MinWarmUpTime(s.min_warmup_time);

    sample_reporter rep(on_sample, user);
    // The spec filter is a regex: match this benchmark by being the only one.
    benchmark::RunSpecifiedBenchmarks(&rep, ".*");
    benchmark::ClearRegisteredBenchmarks();
    if (!rep.error().empty() || rep.reported() == 0) {
        if (err && errlen)
            std::snprintf(err, errlen, "google benchmark: %s",
                          rep.error().empty() ? "no repetition was reported" : rep.error().c_str());
        return -1;
    }
    return rep.reported();
}

extern "C" int gb_json_open(const char *path, char *err, size_t errlen) {
    g_json.reset(new json_sink);
    g_json->file.open(path);
    if (!g_json->file) {
        g_json.reset();
        if (err && errlen) std::snprintf(err, errlen, "%s: cannot open for writing", path);
        return -1;
    }
    g_json->reporter.SetOutputStream(&g_json->file);
    g_json->reporter.SetErrorStream(&g_json->file);
    return 0;
}

extern "C" int gb_json_close(void) {
    if (!g_json) return 0;
    if (g_json->context_written)
        g_json->reporter.Finalize();
    else  // nothing was timed: still a well-formed, empty document
        g_json->file << "{\n  \"context\": {},\n  \"benchmarks\": []\n}\n";
    g_json->file.close();
    int bad = g_json->file.fail() ? -1 : 0;
    g_json.reset();
    return bad;
}
