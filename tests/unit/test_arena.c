/* Unit tests of plugin/core/arena.c (private header arena.h). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "arena.h"
#include "unit_util.h"

static void test_arena_alloc(void **state)
{
	(void)state;
	arena a = { 0 };
	unsigned char *prev = NULL;
	for(size_t n = 0; n < 300; n++){
		unsigned char *p = arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for(size_t i = 0; i < n; i++) assert_int_equal(p[i], 0); /* zeroed */
		memset(p, 0xEE, n); /* must not overlap earlier blocks (ASan/guard below) */
		if(prev && n > 1) assert_true(p != prev);
		prev = p;
	}
	size_t before = a.bytes;
	assert_true(before > 0);
	/* bigger than a chunk */
	unsigned char *big = arena_alloc(&a, 1000000);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_int_equal(big[0], 0);
	assert_int_equal(big[999999], 0);
	memset(big, 1, 1000000);
	assert_true(a.bytes >= before + 1000000);
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.bytes, 0);
	/* usable again after free */
	assert_non_null(arena_alloc(&a, 10));
	arena_free(&a);
	arena_free(&a); /* twice is harmless */
}

static void test_arena_blocks_distinct(void **state)
{
	(void)state;
	arena a = { 0 };
	char *blocks[2000];
	for(size_t i = 0; i < 2000; i++){
		blocks[i] = arena_alloc(&a, 40);
		assert_non_null(blocks[i]);
		memset(blocks[i], (int)(i & 0x7F), 40);
	}
	for(size_t i = 0; i < 2000; i++){
		for(size_t k = 0; k < 40; k++) assert_int_equal(blocks[i][k], (char)(i & 0x7F));
	}
	arena_free(&a);
}

static void test_arena_strndup(void **state)
{
	(void)state;
	arena a = { 0 };
	char *s = arena_strndup(&a, "hello world", 5);
	assert_string_equal(s, "hello");
	char *e = arena_strndup(&a, "", 0);
	assert_string_equal(e, "");
	char *z = arena_strndup(&a, "a\0b", 3);
	assert_memory_equal(z, "a\0b\0", 4);
	assert_null(arena_strndup(&a, "x", SIZE_MAX));
	arena_free(&a);
}

static void test_arena_overflow(void **state)
{
	(void)state;
	arena a = { 0 };
	/* rounding n up to 16 overflows */
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 3));
	arena_free(&a);
}

/* Regression test (fixed in a1ec5b2): before it, arena_alloc (arena.c) checked the
 * rounding of n but not the chunk size `sizeof(*c) + cap`, which wraps for n
 * close to SIZE_MAX: with n = SIZE_MAX - 31 it calloc'd a block too small for
 * the chunk header, wrote the header past it and returned a pointer beyond it
 * instead of NULL. Run in a child process so that a regression cannot corrupt
 * the parent's heap. */
static void huge_alloc(void *arg)
{
	(void)arg;
	arena a = { 0 };
	void *p = arena_alloc(&a, SIZE_MAX - 31);
	_exit(p ? 3 : 0);
}

static void test_arena_chunk_size_overflow(void **state)
{
	(void)state;
	int rc = tu_in_child(huge_alloc, NULL);
	if(rc != 0){
		print_error("arena_alloc(SIZE_MAX - 31): %s %d (3: returned a pointer)\n",
				rc > 128 ? "killed by signal" : "exit code", rc > 128 ? rc - 128 : rc);
		fail();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc),
		cmocka_unit_test(test_arena_blocks_distinct),
		cmocka_unit_test(test_arena_strndup),
		cmocka_unit_test(test_arena_overflow),
		cmocka_unit_test(test_arena_chunk_size_overflow),
	};
	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
