/*
 * title:    Reclaim allocates too: PF_MEMALLOC in direct reclaim and kswapd (swap-out through zswap)
 * teaches:  the reclaimer itself allocates (zswap metadata, compressed pages); PF_MEMALLOC, set by memalloc_noreclaim_save() in __perform_reclaim() and for kswapd's whole life, forbids reclaim recursion and opens the reserves (ALLOC_NO_WATERMARKS) instead
 * source:   mm/page_alloc.c (__perform_reclaim), mm/vmscan.c (try_to_free_pages, shrink_folio_list, pageout, kswapd), mm/page_io.c (swap_writepage), mm/zswap.c (zswap_store, zswap_compress), include/linux/sched/mm.h (memalloc_noreclaim_save), Linux 6.12.117; reference/scenarios.md §11
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 39% (dirty 5%), anon 58%, slab_reclaimable 3%
 * free:     min
 * swap:     64M
 * seed:     1
 */

/* zswap_entry_cache = KMEM_CACHE(zswap_entry, 0) */
struct kmem_cache *zswap_entry_cache = kmem_cache_create("zswap_entry", 56, 0);

/*
 * A page fault that fell into the slow path: what __alloc_pages_direct_reclaim()
 * does on the task's behalf, spelled out.
 */
SYSCALL(page_fault) __pid(1000) __comm("stress")
{
	return __perform_reclaim(GFP_HIGHUSER_MOVABLE);
}

/* kswapd(): tsk->flags |= PF_MEMALLOC | PF_KSWAPD for the thread's whole life. */
KTHREAD(kswapd_like) __flags(PF_MEMALLOC | PF_KSWAPD) __pid(90) __comm("kswapd0") __start(4)
{
	/* balance_pgdat -> kswapd_shrink_node -> shrink_node: sc.gfp_mask = GFP_KERNEL */
	return shrink_folio_list(GFP_KERNEL);
}

int __perform_reclaim(gfp_t gfp_mask)
{
	unsigned int noreclaim_flag;
	int progress;

	cond_resched();
	/* fs_reclaim_acquire(gfp_mask): lockdep pseudo-lock, only with __GFP_FS */
	noreclaim_flag = memalloc_noreclaim_save();
	/* try_to_free_pages: sc.gfp_mask = current_gfp_context(gfp_mask) */
	progress = shrink_folio_list(current_gfp_context(gfp_mask));
	memalloc_noreclaim_restore(noreclaim_flag);
	cond_resched();
	return progress;
}

int shrink_folio_list(gfp_t gfp_mask)
{
	int i;
	int reclaimed = 0;

	/* An anon folio gets a swap slot only with __GFP_IO; pageout() only if may_enter_fs(). */
	if (!(gfp_mask & __GFP_IO))
		return 0;
	for (i = 0; i < 4; i++) {
		/* pageout -> swap_writepage -> zswap_store */
		if (zswap_store() == 0)
			reclaimed++;
	}
	return reclaimed;
}

int zswap_store(void)
{
	/* zswap_entry_cache_alloc(GFP_KERNEL, nid): PF_MEMALLOC lets it use the reserves */
	void *entry = kmem_cache_alloc(zswap_entry_cache, GFP_KERNEL);
	struct page *zpage;

	if (!entry)
		return -ENOMEM;
	/*
	 * zswap_compress -> zpool_malloc(zpool, dlen, gfp) with
	 * gfp = __GFP_NORETRY | __GFP_NOWARN | __GFP_KSWAPD_RECLAIM | __GFP_HIGHMEM | __GFP_MOVABLE:
	 * never reclaims; on failure the page goes to the real swap device instead.
	 */
	zpage = alloc_page(__GFP_NORETRY | __GFP_NOWARN | __GFP_KSWAPD_RECLAIM | __GFP_HIGHMEM | __GFP_MOVABLE);
	if (!zpage) {
		kmem_cache_free(zswap_entry_cache, entry);
		return -ENOMEM;
	}
	return 0;
}
