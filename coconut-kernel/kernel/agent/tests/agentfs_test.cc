// agentfs (kernel/agent/agentfs.c): golden text of every file for a fixed agent (the format of
// docs/agentfs.md, byte for byte), -EMSGSIZE for every buffer one byte too small and smaller,
// unknown AIDs and files, terminated agents, and the audit tail against the chain itself: the
// agent's last events however far back they lie.
#include "lsm_test_util.h"

#include "coconut/syscalls.h"

using namespace lsm_test;

namespace {

std::string render(Kernel &t, u64 aid, co_agentfs_file f, size_t cap = 1u << 16, int *rc_out = nullptr)
{
	std::string buf(cap, '\0');
	t.lock();
	int rc = co_agentfs_render(t.k, aid, f, buf.data(), buf.size());
	t.unlock();
	if (rc_out)
		*rc_out = rc;
	if (rc < 0)
		return "<" + std::to_string(rc) + ">";
	buf.resize(static_cast<size_t>(rc));
	return buf;
}

// The fixed agent of the golden files: AID 2 under root, children 3 and 4, known attestation
// bytes, a blocking token budget, HBM in use, a few decisions and one pending operation.
struct Golden {
	Kernel t;
	u64 a = 0, b = 0, c = 0, token = 0;

	Golden()
	{
		a = t.spawn(COCONUT_AID_ROOT,
			    { "fs.read:/data/**", "inference:kvwarden", "cap.grant:fs.read:/data/**" },
			    nullptr, "worker-1", 3);
		b = t.spawn(a, { "fs.read:/data/b/**" }, nullptr, "child-b", 3);
		c = t.spawn(a, {}, nullptr, "child-c", 3);
		co_agent *A = t.agent(a);
		for (u32 i = 0; i < COCONUT_DIGEST_SIZE; i++) {
			A->attest.code_digest[i] = static_cast<u8>(i);
			A->attest.manifest_digest[i] = static_cast<u8>(0xa0 + i);
			A->attest.authorizer_key[i] = static_cast<u8>(0xff - i);
		}
		for (u32 i = 0; i < COCONUT_SIGNATURE_SIZE; i++)
			A->attest.signature[i] = static_cast<u8>(i * 3);
		t.lock();
		EXPECT_EQ(co_quota_set(t.k, A, COCONUT_QUOTA_TOKENS, 1000,
				       COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
		EXPECT_EQ(co_quota_charge(t.k, A, COCONUT_QUOTA_TOKENS, 250), 0);
		u64 addr;
		EXPECT_EQ(co_tier_alloc(t.k, A, COCONUT_TIER_HBM, 5000, &addr), 0);
		t.unlock();
		EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc/passwd"), -ECAPABILITY);
		EXPECT_EQ(t.grant(a, b, "fs.read:/data/b/x"), 0);
		EXPECT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kvwarden", &token), 0);
	}
};

const char kStatus[] = "aid: 2\n"
		       "name: worker-1\n"
		       "parent: 1\n"
		       "tenant: 3\n"
		       "state: active\n"
		       "prev_state: capability-denied\n"
		       "depth: 1\n"
		       "caps: 3\n"
		       "children: 2\n"
		       "inflight: 1\n"
		       "spawned_ns: 1000\n"
		       "exited_ns: 0\n";

const char kCaps[] = "cap: fs.read:/data/**\n"
		     "cap: inference:kvwarden\n"
		     "cap: cap.grant:fs.read:/data/**\n";

const char kAttestation[] =
	"code_digest: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	"manifest_digest: a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"
	"authorizer_key: fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0\n"
	"signature: 000306090c0f1215181b1e2124272a2d303336393c3f4245484b4e5154575a5d"
	"606366696c6f7275787b7e8184878a8d909396999c9fa2a5a8abaeb1b4b7babd\n";

const char kBudget[] = "cpu.budget: 0\ncpu.used: 0\ncpu.block: 0\ncpu.waiting: 0\n"
		       "mem.budget: 0\nmem.used: 0\nmem.block: 0\nmem.waiting: 0\n"
		       "hbm.budget: 0\nhbm.used: 8192\nhbm.block: 0\nhbm.waiting: 0\n"
		       "net.budget: 0\nnet.used: 0\nnet.block: 0\nnet.waiting: 0\n"
		       "tokens.budget: 1000\ntokens.used: 250\ntokens.block: 1\ntokens.waiting: 0\n"
		       "pcie.budget: 0\npcie.used: 0\npcie.block: 0\npcie.waiting: 0\n"
		       "membw.budget: 0\n";

const char kChildren[] = "child: 3\nchild: 4\n";

// a's last 8 events as the acting agent (seqs 0-11 are root's birth and the three spawns; a's
// own are the SPAWN events of its children at 7 and 10, then these): its quota and memory, the
// deny and the state change it caused, the grant's decision, the state change back, the grant
// itself, and the pending operation's decision.
const char kAuditTail[] = "event: 12 quota 0 -\n"
			  "event: 13 mem_tier 0 -\n"
			  "event: 14 cap_deny -134 fs.read\n"
			  "event: 15 state 0 -\n"
			  "event: 16 cap_allow 0 cap.grant:fs.read:/data/**\n"
			  "event: 17 state 0 -\n"
			  "event: 18 grant 0 fs.read:/data/b/x\n"
			  "event: 19 cap_allow 0 inference:kvwarden\n";

TEST(Agentfs, FileNames)
{
	const char *want[] = { "status", "caps", "attestation", "audit_tail", "budget", "children" };
	for (u32 f = 0; f < CO_AGENTFS_FILE_COUNT; f++)
		EXPECT_STREQ(co_agentfs_file_name(static_cast<co_agentfs_file>(f)), want[f]);
	EXPECT_EQ(co_agentfs_file_name(CO_AGENTFS_FILE_COUNT), nullptr);
}

TEST(Agentfs, GoldenFilesOfAFixedAgent)
{
	Golden g;
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_STATUS), kStatus);
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_CAPS), kCaps);
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_ATTESTATION), kAttestation);
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_BUDGET), kBudget);
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_CHILDREN), kChildren);
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_AUDIT_TAIL), kAuditTail);
	// Root, for contrast: no parent, its own caps, no children but a.
	EXPECT_EQ(render(g.t, COCONUT_AID_ROOT, CO_AGENTFS_CHILDREN), "child: 2\n");
	EXPECT_EQ(render(g.t, g.c, CO_AGENTFS_CAPS), "");
	EXPECT_EQ(render(g.t, g.c, CO_AGENTFS_CHILDREN), "");
}

// An event another agent made on this one's behalf names it ("by <actor>" before the cap:
// issue 17, finding 9); the agent's own events do not.
TEST(Agentfs, AuditTailNamesWhoActedOnTheAgentsBehalf)
{
	Golden g;
	ASSERT_EQ(co_sys_agent_quota(g.t.k, COCONUT_AID_ROOT, g.a, COCONUT_QUOTA_CPU, 5,
				     COCONUT_QUOTA_SET, nullptr),
		  0);
	ASSERT_EQ(co_sys_agent_cap_present(g.t.k, COCONUT_AID_ROOT, g.a, "fs.read", 7, "/data/x", 7),
		  0);
	ASSERT_EQ(co_sys_agent_cap_present(g.t.k, g.a, g.a, "fs.read", 7, "/data/y", 7), 0);
	const std::string tail = render(g.t, g.a, CO_AGENTFS_AUDIT_TAIL);
	const std::string want_end = "event: 20 quota 0 by 1 -\n"
				     "event: 21 cap_allow 0 by 1 fs.read:/data/**\n"
				     "event: 22 cap_allow 0 fs.read:/data/**\n";
	ASSERT_GE(tail.size(), want_end.size());
	EXPECT_EQ(tail.substr(tail.size() - want_end.size()), want_end) << tail;
}

TEST(Agentfs, EveryFileIsWholeOrMessageTooLong)
{
	Golden g;
	for (u32 f = 0; f < CO_AGENTFS_FILE_COUNT; f++) {
		const auto file = static_cast<co_agentfs_file>(f);
		const std::string whole = render(g.t, g.a, file);
		SCOPED_TRACE(co_agentfs_file_name(file));
		ASSERT_FALSE(whole.empty());
		int rc = 0;
		EXPECT_EQ(render(g.t, g.a, file, whole.size(), &rc), whole);
		EXPECT_EQ(rc, static_cast<int>(whole.size()));
		for (size_t n = 0; n < whole.size(); n++) {
			render(g.t, g.a, file, n, &rc);
			ASSERT_EQ(rc, -EMSGSIZE) << n;
		}
	}
}

TEST(Agentfs, UnknownAgentsAndFiles)
{
	Golden g;
	int rc = 0;
	render(g.t, 0, CO_AGENTFS_STATUS, 4096, &rc);
	EXPECT_EQ(rc, -ESRCH);
	render(g.t, 999, CO_AGENTFS_STATUS, 4096, &rc);
	EXPECT_EQ(rc, -ESRCH);
	render(g.t, g.a, static_cast<co_agentfs_file>(CO_AGENTFS_FILE_COUNT), 4096, &rc);
	EXPECT_EQ(rc, -EINVAL);
	render(g.t, g.a, static_cast<co_agentfs_file>(-1), 4096, &rc);
	EXPECT_EQ(rc, -EINVAL);
	g.t.lock();
	EXPECT_EQ(co_agentfs_render(g.t.k, g.a, CO_AGENTFS_STATUS, nullptr, 100), -EMSGSIZE);
	g.t.unlock();
}

TEST(Agentfs, ATerminatedAgentShowsHowItEnded)
{
	Golden g;
	g.t.plat.set_now_ns(5000);
	ASSERT_EQ(co_agent_exit(g.t.k, g.b), 0);
	const std::string s = render(g.t, g.b, CO_AGENTFS_STATUS);
	EXPECT_NE(s.find("state: terminated-clean\n"), std::string::npos) << s;
	EXPECT_NE(s.find("exited_ns: 5000\n"), std::string::npos) << s;
	EXPECT_EQ(render(g.t, g.a, CO_AGENTFS_CHILDREN), "child: 4\n");
}

TEST(Agentfs, NamesCannotAddLines)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, {}, nullptr, "evil\nstate: active");
	const std::string s = render(t, a, CO_AGENTFS_STATUS);
	EXPECT_NE(s.find("name: evil?state: active\n"), std::string::npos) << s;
}

// The tail against the chain: whatever the window holds and however far back the agent's
// events are, the last CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX of them, oldest first.
TEST(Agentfs, AuditTailFindsTheLastEventsFarBack)
{
	static const char *const names[] = { "none", "spawn", "state", "cap_allow", "cap_deny", "grant",
					     "revoke", "quota", "mem_tier", "exit", "anchor" };
	for (int gap : { 0, 5, 70, 700, 3000 }) {
		for (int mine : { 0, 3, 8, 20 }) {
			SCOPED_TRACE(std::to_string(gap) + " " + std::to_string(mine));
			Kernel t;
			u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:*" });
			u64 other = t.spawn(COCONUT_AID_ROOT, { "inference:*" });
			for (int i = 0; i < mine; i++)
				ASSERT_EQ(t.check(a, COCONUT_CAP_INFERENCE, "kv" + std::to_string(i)), 0);
			for (int i = 0; i < gap; i++)
				ASSERT_EQ(t.check(other, COCONUT_CAP_INFERENCE, "kv"), 0);
			std::vector<co_audit_event> want;
			for (const auto &ev : t.events())
				if (ev.aid == a)
					want.push_back(ev);
			if (want.size() > CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX)
				want.erase(want.begin(), want.end() - CO_AGENTFS_AUDIT_TAIL_EVENTS_MAX);
			std::string text;
			for (const auto &ev : want)
				text += "event: " + std::to_string(ev.seq) + " " + names[ev.type] + " " +
					std::to_string(ev.result) + " " +
					(ev.cap_len ? cap_of(ev) : std::string("-")) + "\n";
			EXPECT_EQ(render(t, a, CO_AGENTFS_AUDIT_TAIL), text);
		}
	}
}

} // namespace
