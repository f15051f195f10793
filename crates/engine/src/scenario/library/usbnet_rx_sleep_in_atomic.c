/*
 * title:    usbnet: GFP_KERNEL in a completion handler (sleeping in atomic context)
 * teaches:  a completion handler runs in softirq context, so passing GFP_KERNEL down the chain reaches might_alloc() in the slab entry and the kernel prints "BUG: sleeping function called from invalid context"
 * source:   drivers/net/usb/usbnet.c (rx_complete) with the mistake made; mm/slub.c (slab_pre_alloc_hook -> might_alloc), kernel/sched/core.c (__might_resched); the documentation of usb_submit_urb() in drivers/usb/core/urb.c; the same bug class: commit a194c9859732 "vsock/virtio: use GFP_ATOMIC under RCU read lock" (6.12-rc3); reference/scenarios.md §7
 * kernel:   6.12
 * machine:  x86_64-64M
 * pressure: page_cache 59% (dirty 10%), anon 35%, slab_reclaimable 6%
 * background: anon_hog 32K/step
 * swap:     16M
 * seed:     1
 */

DEFINE_SPINLOCK(rxq_lock);	/* dev->rxq.lock */

/*
 * xHCI declares HCD_BH: usb_hcd_giveback_urb() queues the URB to system_bh_wq and
 * usb_giveback_urb_bh() runs the completion in softirq context.
 */
SOFTIRQ(usb_giveback_urb_bh) __start(0)
{
	int i;

	for (i = 0; i < 6; i++)
		rx_complete();
	return 0;
}

/* usbnet_deferred_kevent(): process context, started by usbnet_defer_kevent(EVENT_RX_MEMORY). */
WORKQUEUE(usbnet_deferred_kevent) __idle __comm("kworker/0:1")
{
	return rx_submit(GFP_KERNEL);
}

void rx_complete(void)
{
	/* urb->complete(urb): may not sleep, yet it passes GFP_KERNEL. */
	if (rx_submit(GFP_KERNEL) == -ENOMEM)	/* the mistake */
		queue_work(usbnet_deferred_kevent);	/* usbnet_defer_kevent(dev, EVENT_RX_MEMORY) */
}

int rx_submit(gfp_t flags)
{
	unsigned long lockflags;
	int retval;

	/* __netdev_alloc_skb_ip_align(dev->net, size, flags) -> __netdev_alloc_skb: __alloc_skb
	 * (kmalloc'd head) with GFP_KERNEL, page_frag_alloc() with GFP_ATOMIC; modelled as kmalloc */
	void *skb = kmalloc(1536, flags);

	if (!skb)
		return -ENOMEM;

	spin_lock_irqsave(&rxq_lock, lockflags);
	retval = usb_submit_urb(skb, GFP_ATOMIC);	/* hard-coded: we hold a spinlock */
	spin_unlock_irqrestore(&rxq_lock, lockflags);

	if (retval) {
		kfree(skb);
		return retval;
	}
	kfree(skb);		/* the model drops the packet once it is queued */
	return 0;
}

int usb_submit_urb(void *urb, gfp_t mem_flags)
{
	/* usb_hcd_submit_urb(urb, mem_flags) -> map_urb_for_dma -> hcd->driver->urb_enqueue */
	return xhci_urb_enqueue(urb, mem_flags);
}

int xhci_urb_enqueue(void *urb, gfp_t mem_flags)
{
	/* urb_priv = kzalloc(struct_size(urb_priv, td, num_tds), mem_flags) */
	void *urb_priv = kzalloc(64, mem_flags);

	if (!urb_priv)
		return -ENOMEM;
	kfree(urb_priv);
	return 0;
}
