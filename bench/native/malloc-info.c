// Preloaded into the soak's demo by `npm run soak -- --malloc-info` (glibc only, see
// bench/fixtures/malloc-info.js): a thread appends glibc's malloc_info() to MALLOC_INFO_FILE every
// MALLOC_INFO_SECONDS, so the soak can tell the bytes malloc has handed out from the bytes it holds
// (free chunks it keeps resident count in RSS all the same). Only in the process whose command line
// contains MALLOC_INFO_MATCH (the pool's child processes inherit the preload).
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *sample_loop(void *unused) {
  (void)unused;
  const char *path = getenv("MALLOC_INFO_FILE");
  int seconds = atoi(getenv("MALLOC_INFO_SECONDS"));
  if (seconds <= 0) seconds = 10;
  double started = now_seconds();
  for (;;) {
    sleep(seconds);
    FILE *out = fopen(path, "a");
    if (out == NULL) continue;
    fprintf(out, "<sample seconds=\"%.1f\">\n", now_seconds() - started);
    malloc_info(0, out);
    fprintf(out, "</sample>\n");
    fclose(out);
  }
  return NULL;
}

__attribute__((constructor)) static void start_sampling(void) {
  const char *path = getenv("MALLOC_INFO_FILE"), *match = getenv("MALLOC_INFO_MATCH");
  if (path == NULL || match == NULL) return;
  char command[4096] = {0};
  FILE *cmdline = fopen("/proc/self/cmdline", "r");
  if (cmdline == NULL) return;
  size_t length = fread(command, 1, sizeof command - 1, cmdline);
  fclose(cmdline);
  for (size_t i = 0; i < length; i++)
    if (command[i] == '\0') command[i] = ' ';
  if (strstr(command, match) == NULL) return;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  pthread_create(&thread, &attributes, sample_loop, NULL);
}
