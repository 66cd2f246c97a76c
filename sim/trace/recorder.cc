// See recorder.h.
#include "recorder.h"

#include <stdexcept>

namespace coconut::trace {

TraceRecorder::TraceRecorder(const std::string &path, const Header &h, const co_audit *audit)
	: path_(path), audit_(audit), every_(h.checkpoint_every ? h.checkpoint_every : 1)
{
	f_ = std::fopen(path.c_str(), "wb");
	if (!f_)
		throw std::runtime_error("cannot write the trace " + path);
	write_line(header_line(h));
}

TraceRecorder::~TraceRecorder()
{
	if (f_)
		std::fclose(f_);
}

void TraceRecorder::write_line(const std::string &line)
{
	if (!f_)
		return;
	if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() ||
	    std::fputc('\n', f_) == EOF)
		failed_ = true;
}

void TraceRecorder::record(Record &r)
{
	r.i = next_i_++;
	write_line(record_line(r));
	if (++calls_since_checkpoint_ >= every_)
		checkpoint(r.t, false);
}

void TraceRecorder::checkpoint(u64 now_ns, bool final)
{
	Record c;
	c.i = next_i_++;
	c.t = now_ns;
	c.call = Call::CHECKPOINT;
	co_audit_head(audit_, c.head.data(), &c.sealed);
	c.final = final;
	write_line(record_line(c));
	calls_since_checkpoint_ = 0;
}

void TraceRecorder::finish(u64 now_ns)
{
	if (!f_)
		return;
	checkpoint(now_ns, true);
	const bool bad = std::fclose(f_) != 0 || failed_;
	f_ = nullptr;
	if (bad)
		throw std::runtime_error("writing the trace " + path_ + " failed");
}

} // namespace coconut::trace
