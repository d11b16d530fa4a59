// A fixed set of worker threads for the kernels (see include/steptree_kernels.h). The calling
// thread takes part in every job. Tasks are handed out through an atomic cursor and the caller
// waits for tasks, not for workers, so a worker the OS deschedules on a busy machine holds up at
// most the one task it took. Between jobs a worker spins for a short while (the next product of
// a forward pass starts within microseconds), then sleeps on a condition variable.
#include "steptree_kernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/// Spin iterations (a pause each, some tens of microseconds in all) before a waiting thread sleeps
/// or yields: long enough to bridge the gaps between the products of a forward pass, short enough
/// not to burn a core the other threads need on a busy machine.
enum { SPIN_LIMIT = 1 << 11 };

struct stk_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t run_lock;  // one job at a time
    pthread_mutex_t lock;
    pthread_cond_t wake;
    // The current job. `cursor` packs the job number (bits 40-63), its task count (bits 20-39)
    // and the next task to hand out (bits 0-19), so a worker that wakes late can never take a
    // task of a job other than the one whose count it read.
    void (*fn)(void *ctx, int task, int thread);
    void *ctx;
    struct worker_arg *args;
    _Atomic uint64_t cursor;
    atomic_int finished_tasks;
    atomic_int sleepers;
    atomic_int stop;
};

struct worker_arg {
    stk_pool *pool;
    int index;
};

enum { TASK_BITS = 20 };
#define TASK_MASK ((UINT64_C(1) << TASK_BITS) - 1)
#define JOB_OF(c) ((c) >> (2 * TASK_BITS))

/// Takes and runs tasks of job `job` until none is left or another job has begun.
static void run_tasks(stk_pool *p, uint64_t job, int thread) {
    uint64_t c = atomic_load_explicit(&p->cursor, memory_order_acquire);
    for (;;) {
        if (JOB_OF(c) != job || (c & TASK_MASK) >= ((c >> TASK_BITS) & TASK_MASK)) return;
        if (!atomic_compare_exchange_weak_explicit(&p->cursor, &c, c + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        p->fn(p->ctx, (int)(c & TASK_MASK), thread);
        atomic_fetch_add_explicit(&p->finished_tasks, 1, memory_order_release);
        c = atomic_load_explicit(&p->cursor, memory_order_acquire);
    }
}

static void *worker_main(void *arg) {
    stk_pool *p = ((struct worker_arg *)arg)->pool;
    int index = ((struct worker_arg *)arg)->index;
    uint64_t seen = 0;
    for (;;) {
        uint64_t job;
        int spins = 0;
        while ((job = JOB_OF(atomic_load_explicit(&p->cursor, memory_order_acquire))) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_LIMIT) {
                CPU_RELAX();
                continue;
            }
            pthread_mutex_lock(&p->lock);
            atomic_fetch_add(&p->sleepers, 1);
            while (JOB_OF(atomic_load(&p->cursor)) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->lock);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->lock);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = job;
        run_tasks(p, job, index);
    }
}

stk_pool *stk_pool_create(int threads) {
    stk_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->workers = calloc((size_t)p->threads, sizeof(pthread_t));
    p->args = calloc((size_t)p->threads, sizeof(struct worker_arg));
    for (int i = 0; i + 1 < p->threads; i++) {
        if (p->workers && p->args) p->args[i] = (struct worker_arg){p, i + 1};
        if (!p->workers || !p->args || pthread_create(&p->workers[i], NULL, worker_main, &p->args[i]) != 0) {
            p->threads = i + 1;  // run with the workers that did start
            break;
        }
    }
    return p;
}

void stk_pool_destroy(stk_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i + 1 < p->threads; i++) pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->run_lock);
    free(p->workers);
    free(p->args);
    free(p);
}

int stk_pool_threads(const stk_pool *p) { return p ? p->threads : 1; }

void stk_pool_run(stk_pool *p, void (*fn)(void *ctx, int task, int thread), void *ctx, int tasks) {
    if (!p || p->threads == 1 || tasks <= 1 || (uint64_t)tasks > TASK_MASK) {
        for (int i = 0; i < tasks; i++) fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&p->run_lock);
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->finished_tasks, 0, memory_order_relaxed);
    uint64_t job = JOB_OF(atomic_load(&p->cursor)) + 1;
    // Sequentially consistent with the `sleepers` check below and the workers' re-check.
    atomic_store(&p->cursor, (job << (2 * TASK_BITS)) | ((uint64_t)tasks << TASK_BITS));
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    run_tasks(p, job, 0);
    // Only tasks a worker has started remain; wait for those.
    int spins = 0;
    while (atomic_load_explicit(&p->finished_tasks, memory_order_acquire) < tasks) {
        if (++spins < SPIN_LIMIT) CPU_RELAX();
        else sched_yield();
    }
    pthread_mutex_unlock(&p->run_lock);
}
