/*
 * title:    A must-succeed XFS transaction reached from inside reclaim (__GFP_NOFAIL under PF_MEMALLOC)
 * teaches:  __GFP_NOFAIL plus PF_MEMALLOC is a contradiction: the allocation must not fail but may not reclaim, so the slow path warns; it lives on the memory reserves (ALLOC_NO_WATERMARKS), and once those are gone it can only loop; GFP_NOFS would not fix it, keeping transactions out of reclaim does
 * source:   mm/page_alloc.c (__alloc_pages_slowpath: WARN_ON_ONCE(current->flags & PF_MEMALLOC) for __GFP_NOFAIL, 6.12.117); the 7.0-rc lazytime path (iput_final -> xfs_vn_sync_lazytime -> xfs_trans_alloc) from syzbot extid d78ace33ad4ee69329d5; Dave Chinner's and Christoph Hellwig's replies (lore 20260316091827.GA2182@lst.de); reference/scenarios.md §12
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 42% (dirty 10%), anon 50%, slab_reclaimable 8%
 * free:     min
 * swap:     16M
 * seed:     1
 * cpus:     8
 */

struct kmem_cache *xfs_trans_cache = kmem_cache_create("xfs_trans", 232, 0);

/* kswapd: PF_MEMALLOC | PF_KSWAPD for the thread's whole life, reclaiming with GFP_KERNEL. */
KTHREAD(kswapd_like) __flags(PF_MEMALLOC | PF_KSWAPD) __pid(90) __comm("kswapd0")
{
	/* shrink_slab -> super_cache_scan -> prune_icache_sb -> ... -> iput -> iput_final */
	return iput_final();
}

int iput_final(void)
{
	/* 7.0-rc: sync lazytime timestamps through ->sync_lazytime before eviction */
	return xfs_vn_sync_lazytime();
}

int xfs_vn_sync_lazytime(void)
{
	/* xfs_trans_alloc(mp, &M_RES(mp)->tr_fsyncts, ...) -> __xfs_trans_alloc().
	 * With 8 CPUs the cache's slabs are order 1 (SLUB calculate_order), minimum order 0:
	 * allocate_slab() first tries order 1 without reclaim, reserves or __GFP_NOFAIL, fails
	 * at the min watermark, then asks for order 0 with the caller's GFP_KERNEL | __GFP_NOFAIL,
	 * which takes __GFP_NOFAIL into __alloc_pages_slowpath() under PF_MEMALLOC. */
	void *tp = kmem_cache_zalloc(xfs_trans_cache, GFP_KERNEL | __GFP_NOFAIL);

	/* ... log the timestamps, commit ... */
	kmem_cache_free(xfs_trans_cache, tp);
	return 0;
}
