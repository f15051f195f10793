/*
 * title:    virtio-net NAPI refill: GFP_ATOMIC now, GFP_KERNEL later from a work item
 * teaches:  NAPI poll runs in softirq, so receive-buffer refills are atomic and opportunistic (an order-3 try without direct reclaim, then order 0 GFP_ATOMIC); when they fail the driver defers to refill_work, where GFP_KERNEL may sleep and reclaim
 * source:   drivers/net/virtio_net.c (virtnet_poll, virtnet_receive, try_fill_recv, add_recvbuf_mergeable, refill_work), net/core/sock.c (skb_page_frag_refill), net/core/skbuff.c (napi_alloc_skb), Linux 6.12.117; reference/scenarios.md §8
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 54% (dirty 10%), anon 42%, slab_reclaimable 4%
 * free:     below_min
 * swap:     16M
 * seed:     3
 */

/* refill_work(): process context, started by schedule_delayed_work(&vi->refill, 0). */
WORKQUEUE(refill_work) __idle __comm("kworker/1:1")
{
	/* napi_disable(&rq->napi); still_empty = !try_fill_recv(vi, rq, GFP_KERNEL); virtnet_napi_enable(rq->vq, &rq->napi) */
	if (!try_fill_recv(GFP_KERNEL))
		return -ENOMEM;		/* the kernel re-arms the work after HZ/2 */
	return 0;
}

/* net_rx_action -> napi_poll -> __napi_poll -> virtnet_poll: softirq context. */
NAPI_POLL(virtnet_poll)
{
	virtnet_receive();
	return 0;
}

void virtnet_receive(void)
{
	/* receive_mergeable -> page_to_skb -> napi_alloc_skb(&rq->napi, GOOD_COPY_LEN): its own GFP_ATOMIC | __GFP_NOWARN */
	void *skb = kmalloc(128, GFP_ATOMIC | __GFP_NOWARN);

	kfree(skb);		/* the packet goes up the stack */

	/* rq->vq->num_free > min(budget, ring size) / 2 (more than 32 free slots with a
	 * budget of 64): refill now, atomically. */
	if (!try_fill_recv(GFP_ATOMIC))
		schedule_work(refill_work);	/* schedule_delayed_work(&vi->refill, 0) */
}

/* Fills the ring until vq->num_free is 0 (a 256-entry ring, more than half empty);
 * returns err != -ENOMEM, so one failed buffer defers the rest to refill_work. */
int try_fill_recv(gfp_t gfp)
{
	int i;

	for (i = 0; i < 256; i++) {
		if (add_recvbuf_mergeable(gfp) < 0)
			return 0;
	}
	return 1;
}

int add_recvbuf_mergeable(gfp_t gfp)
{
	if (!skb_page_frag_refill(gfp))
		return -ENOMEM;
	/* virtqueue_add_inbuf_ctx(rq->vq, rq->sg, 1, buf, ctx, gfp): one sg entry, so no
	 * indirect descriptor table is allocated (virtqueue_use_indirect() needs total_sg > 1). */
	return 0;
}

/* The kernel carves several receive buffers out of one frag page and allocates a new
 * page only when the current one is used up; here every buffer takes a fresh page,
 * so the ring uses memory faster than the real one (the flags are the kernel's). */
int skb_page_frag_refill(gfp_t gfp)
{
	/* "Avoid direct reclaim but allow kswapd to wake": order 3 (SKB_FRAG_PAGE_ORDER, 32 KiB) */
	struct page *page = alloc_pages((gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY, 3);

	if (page)
		return 1;	/* the ring's buffers now hold the page until packets arrive */
	page = alloc_page(gfp);		/* then a single page with the caller's flags */
	if (!page)
		return 0;
	return 1;
}
