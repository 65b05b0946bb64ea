#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "conv.h"
#include "onednn.h"

#ifndef CONVBENCH_COMPILER
#define CONVBENCH_COMPILER "unknown"
#endif
#ifndef CONVBENCH_GIT
#define CONVBENCH_GIT "unknown"
#endif
#ifndef CONVBENCH_SOURCE_DIR
#define CONVBENCH_SOURCE_DIR "."
#endif

/* The commit the results belong to, asked of git at run time (the build's
 * commit goes stale as soon as someone commits without reconfiguring);
 * "+dirty" when tracked files differ from it. */
static void read_git_commit(char *out, size_t len) {
    char cmd[4300], buf[64] = "";
    snprintf(cmd, sizeof cmd,
             "git -C '%s' rev-parse --short HEAD 2>/dev/null && "
             "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null | head -1",
             CONVBENCH_SOURCE_DIR, CONVBENCH_SOURCE_DIR);
    FILE *p = popen(cmd, "r");
    if (p) {
        char dirty[256] = "";
        if (fgets(buf, sizeof buf, p)) buf[strcspn(buf, "\n")] = 0;
        if (fgets(dirty, sizeof dirty, p) && dirty[0]) strncat(buf, "+dirty", sizeof buf - strlen(buf) - 1);
        pclose(p);
    }
    snprintf(out, len, "%s", buf[0] ? buf : CONVBENCH_GIT);
}

static void read_cpu_model(char *out, size_t len) {
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) && strncmp(line, "Model", 5)) continue;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        colon++;
        while (*colon == ' ' || *colon == '\t') colon++;
        colon[strcspn(colon, "\n")] = 0;
        snprintf(out, len, "%s", colon);
        break;
    }
    fclose(f);
}

const machine_info *machine_get(void) {
    static machine_info m;
    static int done;
    if (done) return &m;
    done = 1;
    read_cpu_model(m.cpu, sizeof m.cpu);
    unsigned isa = conv_cpu_isa();
    m.isa[0] = 0;
    for (unsigned bit = CONV_ISA_NEON; bit; bit >>= 1)
        if (isa & bit) {
            if (m.isa[0]) strcat(m.isa, "+");
            strcat(m.isa, conv_isa_name(bit));
        }
    if (!m.isa[0]) strcpy(m.isa, "scalar");
    m.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    const conv_caches caches = conv_cpu_caches();
    m.l1d = caches.l1d;
    m.l2 = caches.l2;
    m.l3 = caches.l3;
    snprintf(m.compiler, sizeof m.compiler, "%s", CONVBENCH_COMPILER);
    read_git_commit(m.git, sizeof m.git);
    /* Read before anything calls omp_set_num_threads. */
    m.max_threads = omp_get_max_threads();
    const char *vars[] = {"OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (!v) continue;
        size_t used = strlen(m.omp_env);
        snprintf(m.omp_env + used, sizeof m.omp_env - used, "%s%s=%.40s", used ? " " : "", vars[i], v);
    }
    snprintf(m.onednn, sizeof m.onednn, "%s", onednn_version());
    return &m;
}

const char *machine_fingerprint(void) {
    static char fp[400];
    if (!fp[0]) {
        const machine_info *m = machine_get();
        snprintf(fp, sizeof fp, "cpu=%.127s;isa=%s;cores=%d;l1d=%zu;l2=%zu;l3=%zu;compiler=%s", m->cpu,
                 m->isa, m->cores, m->l1d, m->l2, m->l3, m->compiler);
    }
    return fp;
}
