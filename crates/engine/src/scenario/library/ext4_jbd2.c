/*
 * title:    ext4 writeback: a lock-tied scope, the jbd2 handle scope, and a redundant GFP_NOFS
 * teaches:  inside two nested NOFS scopes an explicit GFP_NOFS adds nothing (the "just in case" pattern), and jbd2 turns a request without __GFP_FS into __GFP_NOFAIL by itself
 * source:   fs/ext4/inode.c (ext4_writepages), fs/ext4/ext4.h (ext4_writepages_down_read), fs/jbd2/transaction.c (jbd2__journal_start, start_this_handle, do_get_write_access, jbd2_journal_stop), fs/ext4/extents.c (ext4_find_extent), Linux 6.12.117; Michal Hocko, "[PATCH 0/9 v2] scope GFP_NOFS api" (Dec 2016); reference/scenarios.md §4
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 67% (dirty 30%), anon 25%, slab_reclaimable 8%
 * free:     min
 * swap:     32M
 * seed:     1
 */

/* KMEM_CACHE(jbd2_journal_handle, SLAB_TEMPORARY); SLAB_TEMPORARY is SLAB_RECLAIM_ACCOUNT. */
struct kmem_cache *jbd2_handle_cache = kmem_cache_create("jbd2_journal_handle", 56, SLAB_RECLAIM_ACCOUNT);
struct kmem_cache *transaction_cache = kmem_cache_create("jbd2_transaction_s", 256, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT);

/* sbi->s_writepages_rwsem (a percpu rw_semaphore in the kernel). */
DECLARE_RWSEM(s_writepages_rwsem);

WORKQUEUE(wb_workfn) __pid(130) __comm("kworker/u8:3")
{
	/* The flusher: wb_do_writeback -> wb_writeback -> __writeback_single_inode -> do_writepages */
	return ext4_writepages();
}

int ext4_writepages(void)
{
	int alloc_ctx = ext4_writepages_down_read();	/* scope #1: tied to the lock */
	int ret = ext4_do_writepages();

	ext4_writepages_up_read(alloc_ctx);
	return ret;
}

int ext4_writepages_down_read(void)
{
	down_read(&s_writepages_rwsem);
	return memalloc_nofs_save();
}

void ext4_writepages_up_read(int ctx)
{
	memalloc_nofs_restore(ctx);
	up_read(&s_writepages_rwsem);
}

int ext4_do_writepages(void)
{
	/* ext4_journal_start_with_reserve -> __ext4_journal_start_sb -> jbd2__journal_start(..., GFP_NOFS, ...) */
	int saved_alloc_context = jbd2__journal_start(GFP_NOFS);	/* scope #2: tied to the handle */
	int err;

	/* mpage_map_and_submit_extent -> ext4_map_blocks -> ext4_ext_map_blocks */
	err = ext4_find_extent(2);
	if (!err)
		err = do_get_write_access();

	jbd2_journal_stop(saved_alloc_context);
	return err;
}

int jbd2__journal_start(gfp_t gfp_mask)
{
	/* new_handle() -> jbd2_alloc_handle(GFP_NOFS) */
	void *handle = kmem_cache_zalloc(jbd2_handle_cache, gfp_mask);

	if (!handle)
		return 0;
	return start_this_handle(gfp_mask);
}

int start_this_handle(gfp_t gfp_mask)
{
	/*
	 * No transaction is running yet, so start one.
	 * "If __GFP_FS is not present, then we may be being called from
	 * inside the fs writeback layer, so we MUST NOT fail."
	 */
	if ((gfp_mask & __GFP_FS) == 0)
		gfp_mask |= __GFP_NOFAIL;
	void *new_transaction = kmem_cache_zalloc(transaction_cache, gfp_mask);

	if (!new_transaction)
		return 0;
	/* handle->saved_alloc_context = memalloc_nofs_save(); */
	return memalloc_nofs_save();
}

int ext4_find_extent(int depth)
{
	/* path = kcalloc(depth + 2, sizeof(struct ext4_ext_path), gfp_flags): GFP_NOFS, spelled out "just in case" */
	void *path = kcalloc(depth + 2, 48, GFP_NOFS);

	if (!path)
		return -ENOMEM;
	kfree(path);
	return 0;
}

int do_get_write_access(void)
{
	/* Copy-out of a metadata block under commit: jbd2_alloc(bh->b_size, GFP_NOFS | __GFP_NOFAIL) */
	unsigned long frozen_buffer = __get_free_pages(GFP_NOFS | __GFP_NOFAIL, 0);

	free_pages(frozen_buffer, 0);
	return 0;
}

void jbd2_journal_stop(int saved_alloc_context)
{
	/* The last reference to the handle: memalloc_nofs_restore(handle->saved_alloc_context) */
	memalloc_nofs_restore(saved_alloc_context);
}
