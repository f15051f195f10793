/*
 * title:    XFS transaction roll inside the inodegc worker (6.1 restore semantics: NOFS lost)
 * teaches:  before 6.10 memalloc_nofs_restore() rewrote PF_MEMALLOC_NOFS to the saved value, so the restore(0) of the rolled-away transaction clears NOFS in the middle of the worker's outer scope and the next allocations are GFP_KERNEL again
 * source:   a 6.1-based tree with XFS commit f2e812c1522d ("xfs: don't use current->journal_info") backported but not 3f6d5e6a468d; Long Li, "[PATCH RFC 6.1/6.6 CANDIDATE] mm: introduce memalloc_flags_{save,restore}" (lore 20251104131857.1587584-1-leo.lilong@huawei.com); include/linux/sched/mm.h in 6.1.192; reference/scenarios.md §3
 * kernel:   6.1.192
 * machine:  x86_64-64M
 * pressure: page_cache 63% (dirty 20%), anon 25%, slab_reclaimable 12%
 * free:     min
 * swap:     32M
 * seed:     1
 */

struct kmem_cache *xfs_trans_cache = kmem_cache_create("xfs_trans", 232, 0);
struct kmem_cache *xfs_buf_item_cache = kmem_cache_create("xfs_buf_item", 272, 0);

WORKQUEUE(xfs_inodegc_worker) __pid(120) __comm("kworker/0:2")
{
	/*
	 * "We can allocate memory here while doing writeback on behalf of
	 * memory reclaim. To avoid memory allocation deadlocks set the
	 * task-wide nofs context for the following operations."
	 */
	unsigned int nofs_flag = memalloc_nofs_save();		/* outer scope */
	int error = xfs_inactive();

	memalloc_nofs_restore(nofs_flag);
	return error;
}

int xfs_inactive(void)
{
	struct xfs_trans *tp;
	struct xfs_trans *ntp;
	unsigned int tp_pflags;
	unsigned int ntp_pflags;

	/* xfs_attr_inactive() -> xfs_trans_alloc() */
	tp = kmem_cache_zalloc(xfs_trans_cache, GFP_KERNEL | __GFP_NOFAIL);
	/* xfs_trans_set_context(tp): 6.1 saves the old bit value, PF_MEMALLOC_NOFS */
	tp_pflags = memalloc_nofs_save();

	/* xfs_trans_roll() -> xfs_trans_dup(): the next transaction in the chain */
	ntp = kmem_cache_zalloc(xfs_trans_cache, GFP_KERNEL | __GFP_NOFAIL);
	/* xfs_trans_switch_context(tp, ntp): ntp takes the saved flags, tp gets 0 */
	ntp_pflags = tp_pflags;
	tp_pflags = 0;

	/* The old transaction commits: xfs_trans_free(tp) -> xfs_trans_clear_context(tp) */
	memalloc_nofs_restore(tp_pflags);			/* memalloc_nofs_restore(0) */
	kmem_cache_free(xfs_trans_cache, tp);

	/* Keep working in the rolled transaction: is this still NOFS? */
	void *bp = kmalloc(512, GFP_KERNEL | __GFP_NOLOCKDEP | __GFP_NOFAIL);	/* xfs_buf_alloc_kmem() */
	void *bip = kmem_cache_zalloc(xfs_buf_item_cache, GFP_KERNEL | __GFP_NOFAIL);	/* xfs_buf_item_init() */

	/* xfs_trans_commit(ntp) */
	memalloc_nofs_restore(ntp_pflags);
	kmem_cache_free(xfs_buf_item_cache, bip);
	kfree(bp);
	kmem_cache_free(xfs_trans_cache, ntp);
	return 0;
}
