// SPDX-License-Identifier: GPL-2.0
/*
 * Indexed binary min-heaps on linked nodes.
 *
 * A heap is a complete binary tree of nodes linked by parent/left/right, each node carrying
 * one item's (key, tie). Shape is that of an array heap -- position p (1-based) has children
 * 2p and 2p+1 -- and the node at a position is found by walking from the root along p's bits,
 * so insert and remove touch O(log n) nodes, as with an array. What the links buy: heaps
 * drawing on one pool need no room of their own. A scheduler has up to 256 tenant lane heaps
 * whose sizes change with every enqueue, yet together they never hold more than lanes_max
 * lanes, so one pool of lanes_max nodes serves all of them.
 *
 * Sifting swaps payloads between nodes (never relinks nodes) and keeps node_of, the item ->
 * node back-reference that lets remove and rekey start at an item's node in O(1).
 */
#include "sched_int.h"

void co_sched_pool_init(struct co_sched_pool *p, struct co_sched_hnode *nodes, u32 *node_of,
			u32 cap)
{
	u32 i;

	CO_ASSERT(cap >= 1 && cap <= CO_SCHED_LANES_MAX);
	p->nodes = nodes;
	p->node_of = node_of;
	p->cap = cap;
	p->free = 0;
	for (i = 0; i < cap; i++) {
		co_memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].item = CO_SCHED_NIL;
		nodes[i].parent = CO_SCHED_NIL;
		nodes[i].right = CO_SCHED_NIL;
		nodes[i].left = i + 1 < cap ? i + 1 : CO_SCHED_NIL;
		node_of[i] = CO_SCHED_NIL;
	}
}

static bool co_sched_hnode_less(const struct co_sched_hnode *a, const struct co_sched_hnode *b)
{
	return a->key < b->key || (a->key == b->key && a->tie < b->tie);
}

/* Levels below the root of position pos (1-based): floor(log2(pos)). */
static u32 co_sched_heap_depth(u32 pos)
{
	CO_ASSERT(pos >= 1);
	return 31u - (u32)__builtin_clz(pos);
}

/* The node at position pos (1..count). */
static u32 co_sched_heap_node_at(const struct co_sched_pool *p, const struct co_sched_heap *h,
				 u32 pos)
{
	u32 depth = co_sched_heap_depth(pos);
	u32 n = h->root;
	u32 level;

	CO_ASSERT(pos <= h->count && depth < CO_SCHED_HEAP_DEPTH_MAX);
	for (level = depth; level > 0; level--) {
		CO_ASSERT(n != CO_SCHED_NIL);
		n = (pos >> (level - 1)) & 1u ? p->nodes[n].right : p->nodes[n].left;
	}
	CO_ASSERT(n != CO_SCHED_NIL);
	return n;
}

static void co_sched_hnode_swap(struct co_sched_pool *p, u32 a, u32 b)
{
	struct co_sched_hnode *na = &p->nodes[a], *nb = &p->nodes[b];
	u64 key = na->key, tie = na->tie;
	u32 item = na->item;

	na->key = nb->key;
	na->tie = nb->tie;
	na->item = nb->item;
	nb->key = key;
	nb->tie = tie;
	nb->item = item;
	p->node_of[na->item] = a;
	p->node_of[nb->item] = b;
}

/* Moves n's payload up while it is smaller than its parent's; returns where it stopped. */
static u32 co_sched_heap_sift_up(struct co_sched_pool *p, u32 n)
{
	u32 level;

	for (level = 0; level < CO_SCHED_HEAP_DEPTH_MAX; level++) {
		u32 up = p->nodes[n].parent;

		if (up == CO_SCHED_NIL || !co_sched_hnode_less(&p->nodes[n], &p->nodes[up]))
			return n;
		co_sched_hnode_swap(p, n, up);
		n = up;
	}
	CO_ASSERT(p->nodes[n].parent == CO_SCHED_NIL);
	return n;
}

static void co_sched_heap_sift_down(struct co_sched_pool *p, u32 n)
{
	u32 level;

	for (level = 0; level < CO_SCHED_HEAP_DEPTH_MAX; level++) {
		u32 l = p->nodes[n].left, r = p->nodes[n].right, least = n;

		if (l != CO_SCHED_NIL && co_sched_hnode_less(&p->nodes[l], &p->nodes[least]))
			least = l;
		if (r != CO_SCHED_NIL && co_sched_hnode_less(&p->nodes[r], &p->nodes[least]))
			least = r;
		if (least == n)
			return;
		co_sched_hnode_swap(p, n, least);
		n = least;
	}
	CO_ASSERT(p->nodes[n].left == CO_SCHED_NIL);
}

/* Restores the order around n, whose key just changed in either direction. */
static void co_sched_heap_fix(struct co_sched_pool *p, u32 n)
{
	if (co_sched_heap_sift_up(p, n) == n)
		co_sched_heap_sift_down(p, n);
}

void co_sched_heap_insert(struct co_sched_pool *p, struct co_sched_heap *h, u32 item, u64 key,
			  u64 tie)
{
	u32 n = p->free;
	struct co_sched_hnode *node;

	CO_ASSERT(item < p->cap && p->node_of[item] == CO_SCHED_NIL);
	CO_ASSERT(n != CO_SCHED_NIL && h->count < p->cap);
	node = &p->nodes[n];
	p->free = node->left;
	node->key = key;
	node->tie = tie;
	node->item = item;
	node->left = CO_SCHED_NIL;
	node->right = CO_SCHED_NIL;
	p->node_of[item] = n;
	h->count++;
	if (h->count == 1) {
		node->parent = CO_SCHED_NIL;
		h->root = n;
		return;
	}
	node->parent = co_sched_heap_node_at(p, h, h->count >> 1);
	if (h->count & 1u)
		p->nodes[node->parent].right = n;
	else
		p->nodes[node->parent].left = n;
	co_sched_heap_sift_up(p, n);
}

void co_sched_heap_remove(struct co_sched_pool *p, struct co_sched_heap *h, u32 item)
{
	u32 n, last, up;

	CO_ASSERT(item < p->cap && h->count > 0);
	n = p->node_of[item];
	CO_ASSERT(n != CO_SCHED_NIL);
	last = co_sched_heap_node_at(p, h, h->count);
	/* The last position's payload fills the hole; the last node leaves the tree. */
	if (n != last)
		co_sched_hnode_swap(p, n, last);
	up = p->nodes[last].parent;
	if (up == CO_SCHED_NIL)
		h->root = CO_SCHED_NIL;
	else if (p->nodes[up].left == last)
		p->nodes[up].left = CO_SCHED_NIL;
	else
		p->nodes[up].right = CO_SCHED_NIL;
	p->nodes[last].item = CO_SCHED_NIL;
	p->nodes[last].parent = CO_SCHED_NIL;
	p->nodes[last].right = CO_SCHED_NIL;
	p->nodes[last].left = p->free;
	p->free = last;
	p->node_of[item] = CO_SCHED_NIL;
	h->count--;
	if (n != last)
		co_sched_heap_fix(p, n);
}

void co_sched_heap_rekey(struct co_sched_pool *p, struct co_sched_heap *h, u32 item, u64 key)
{
	u32 n;

	CO_ASSERT(item < p->cap && h->count > 0);
	n = p->node_of[item];
	CO_ASSERT(n != CO_SCHED_NIL);
	p->nodes[n].key = key;
	co_sched_heap_fix(p, n);
}

bool co_sched_heap_valid(const struct co_sched_pool *p, const struct co_sched_heap *h)
{
	u32 pos;

	if (h->count == 0)
		return h->root == CO_SCHED_NIL;
	if (h->count > p->cap || h->root == CO_SCHED_NIL || p->nodes[h->root].parent != CO_SCHED_NIL)
		return false;
	for (pos = 1; pos <= h->count; pos++) {
		u32 n = co_sched_heap_node_at(p, h, pos);
		const struct co_sched_hnode *node = &p->nodes[n];
		u32 l = node->left, r = node->right;

		if (node->item >= p->cap || p->node_of[node->item] != n)
			return false;
		/* Complete shape: children exactly where positions 2p and 2p+1 exist. */
		if ((l != CO_SCHED_NIL) != (2 * pos <= h->count) ||
		    (r != CO_SCHED_NIL) != (2 * pos + 1 <= h->count))
			return false;
		if (l != CO_SCHED_NIL &&
		    (p->nodes[l].parent != n || co_sched_hnode_less(&p->nodes[l], node)))
			return false;
		if (r != CO_SCHED_NIL &&
		    (p->nodes[r].parent != n || co_sched_hnode_less(&p->nodes[r], node)))
			return false;
	}
	return true;
}
