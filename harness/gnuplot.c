/* Running gnuplot from the harness (charts, report, gallery). */
#include "gnuplot.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

int gnuplot_run(const char *gnuplot, const char *assignments, const char *script, char *err,
                       size_t errlen) {
    int out[2];
    if (pipe(out) != 0) return cb_fail(err, errlen, "cannot run %s: pipe: %s", gnuplot, strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    char *argv[] = {(char *)gnuplot, "-e", (char *)assignments, (char *)script, NULL};
    pid_t pid;
    const int spawn_error = posix_spawnp(&pid, gnuplot, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawn_error) {
        close(out[0]);
        return cb_fail(err, errlen, "cannot run %s: %s; install gnuplot-nox or give its path", gnuplot,
                       strerror(spawn_error));
    }
    char tail[1024];
    size_t tail_len = 0;
    for (;;) {
        char chunk[512];
        ssize_t n = read(out[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (tail_len + (size_t)n > sizeof tail - 1) {
            size_t drop = tail_len + (size_t)n - (sizeof tail - 1);
            if (drop > tail_len) drop = tail_len;
            memmove(tail, tail + drop, tail_len - drop);
            tail_len -= drop;
            if ((size_t)n > sizeof tail - 1) n = (ssize_t)(sizeof tail - 1);
        }
        memcpy(tail + tail_len, chunk, (size_t)n);
        tail_len += (size_t)n;
    }
    tail[tail_len] = '\0';
    close(out[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return cb_fail(err, errlen, "%s: waitpid: %s", gnuplot, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    while (tail_len && (tail[tail_len - 1] == '\n' || tail[tail_len - 1] == ' ')) tail[--tail_len] = '\0';
    const char *last = strrchr(tail, '\n') ? strrchr(tail, '\n') + 1 : tail;
    if (WIFEXITED(status))
        return cb_fail(err, errlen, "%s exited with status %d on %s: %s", gnuplot, WEXITSTATUS(status),
                       script, *last ? last : "(no message)");
    return cb_fail(err, errlen, "%s was killed (signal %d) on %s", gnuplot,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0, script);
}

void gnuplot_var_string(char *buf, size_t len, const char *name, const char *value) {
    size_t used = strlen(buf);
    used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s='", name);
    for (const char *c = value; *c && used + 4 < len; c++) {
        if (*c == '\'') buf[used++] = '\'';
        buf[used++] = *c == '\n' ? ' ' : *c;
    }
    if (used < len) snprintf(buf + used, len - used, "'; ");
}

void gnuplot_var_number(char *buf, size_t len, const char *name, double value) {
    size_t used = strlen(buf);
    if (used < len) snprintf(buf + used, len - used, "%s=%.10g; ", name, value);
}
