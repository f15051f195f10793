/*
 * title:    THP page fault: an order-9 allocation that lives or dies by compaction
 * teaches:  the transparent_hugepage "defrag" setting picks the gfp mask: with the default "madvise" and a MADV_HUGEPAGE area the fault may stall in direct compaction (GFP_TRANSHUGE), and when the order-9 attempt fails it quietly falls back to 4 KiB pages; order > 3 never invokes the OOM killer
 * source:   mm/huge_memory.c (vma_thp_gfp_mask, do_huge_pmd_anonymous_page), mm/mempolicy.c (alloc_pages_mpol_noprof), mm/page_alloc.c (__alloc_pages_direct_compact), mm/compaction.c, Linux 6.12.117; reference/scenarios.md §13
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 70% (dirty 10%), anon 25%, slab_reclaimable 5%
 * swap:     32M
 * seed:     7
 */

SYSCALL(page_fault) __pid(1000) __comm("qemu")
{
	int i;

	/* A guest touching its madvise(MADV_HUGEPAGE) memory: three 2 MiB faults. */
	for (i = 0; i < 3; i++)
		do_huge_pmd_anonymous_page(1);
	return 0;
}

gfp_t vma_thp_gfp_mask(int vma_madvised)
{
	/* defrag = "madvise" (TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG, the built-in default) */
	return GFP_TRANSHUGE_LIGHT | (vma_madvised ? __GFP_DIRECT_RECLAIM : 0);
}

int do_huge_pmd_anonymous_page(int vma_madvised)
{
	gfp_t gfp = vma_thp_gfp_mask(vma_madvised);
	struct page *folio = vma_alloc_folio(gfp);
	int i;

	if (folio)
		return 0;
	/* THP_FAULT_FALLBACK: VM_FAULT_FALLBACK, and the fault is retried with small pages */
	for (i = 0; i < 4; i++) {
		struct page *page = alloc_page(GFP_HIGHUSER_MOVABLE);	/* do_anonymous_page(), first few pages */

		if (!page)
			return -ENOMEM;
	}
	return 1;
}

struct page *vma_alloc_folio(gfp_t gfp)
{
	/*
	 * alloc_pages_mpol_noprof(): for PMD-order it first tries the local node with
	 * gfp | __GFP_THISNODE | __GFP_NORETRY ("don't reclaim unnecessarily, just compact")
	 */
	struct page *page = folio_alloc(gfp | __GFP_THISNODE | __GFP_NORETRY, HPAGE_PMD_ORDER);

	/* Only with direct reclaim allowed does it retry more widely (one node here, same mask). */
	if (!page && (gfp & __GFP_DIRECT_RECLAIM))
		page = folio_alloc(gfp, HPAGE_PMD_ORDER);
	return page;
}
