#include "guest_channel.h"

#include "cosim_limits.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>

#include <array>
#include <cstdio>
#include <deque>
#include <sys/un.h>

namespace coconut::cosim {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using local = asio::local::stream_protocol;

struct GuestChannel::Impl {
	asio::io_context ctx;
	local::acceptor acceptor{ ctx };
	local::socket socket{ ctx };
	std::string path;
	bool connected = false;

	// Incoming bytes not yet returned as lines; one read in flight at most.
	std::string in;
	std::array<char, 16384> chunk{};
	bool reading = false;
	bool read_eof = false;
	boost::system::error_code read_error;

	// Outgoing lines; the front one is being written while `writing`.
	std::deque<std::string> out;
	bool writing = false;
	boost::system::error_code write_error;
	unsigned long long sent_bytes = 0;

	void start_write()
	{
		if (writing || out.empty() || !connected)
			return;
		writing = true;
		asio::async_write(socket, asio::buffer(out.front()),
				  [this](const boost::system::error_code &ec, size_t n) {
					  writing = false;
					  if (ec) {
						  write_error = ec;
						  return;
					  }
					  sent_bytes += n;
					  out.pop_front();
					  start_write();
				  });
	}

	void start_read()
	{
		if (reading || read_eof || read_error)
			return;
		reading = true;
		socket.async_read_some(asio::buffer(chunk),
				       [this](const boost::system::error_code &ec, size_t n) {
					       reading = false;
					       if (ec == asio::error::eof)
						       read_eof = true;
					       else if (ec)
						       read_error = ec;
					       else
						       in.append(chunk.data(), n);
				       });
	}

	// Runs the event loop for one slice (or until it runs out of work).
	void run_slice()
	{
		if (ctx.stopped())
			ctx.restart();
		ctx.run_for(std::chrono::milliseconds(kAlivePollMs));
	}

	// Waits until done() or the deadline; throws Timeout / Dead.
	template <typename Done> void wait(Clock::time_point deadline, const Alive &alive,
					   const Done &done, const std::string &what)
	{
		while (!done()) {
			if (Clock::now() >= deadline)
				throw ChannelError(ChannelError::Kind::Timeout,
						   "timed out " + what);
			if (!alive()) {
				// The last bytes may still be in flight: one more slice, then give up.
				run_slice();
				if (done())
					return;
				throw ChannelError(ChannelError::Kind::Dead,
						   "the guest's process exited " + what);
			}
			run_slice();
		}
	}
};

GuestChannel::GuestChannel(const std::string &socket_path) : impl_(std::make_unique<Impl>())
{
	impl_->path = socket_path;
	if (socket_path.size() >= sizeof(sockaddr_un{}.sun_path))
		throw ChannelError(ChannelError::Kind::Io,
				   socket_path + ": too long for a Unix socket path (" +
					   std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
					   " bytes at most): choose a shorter --work directory");
	std::remove(socket_path.c_str());
	boost::system::error_code ec;
	impl_->acceptor.open(local(), ec);
	if (!ec)
		impl_->acceptor.bind(local::endpoint(socket_path), ec);
	if (!ec)
		impl_->acceptor.listen(1, ec);
	if (ec)
		throw ChannelError(ChannelError::Kind::Io, socket_path + ": " + ec.message());
}

GuestChannel::~GuestChannel()
{
	boost::system::error_code ec;
	impl_->socket.close(ec);
	impl_->acceptor.close(ec);
	std::remove(impl_->path.c_str());
}

void GuestChannel::accept(std::chrono::milliseconds timeout, const Alive &alive)
{
	Impl &s = *impl_;
	bool done = false;
	boost::system::error_code result;
	s.acceptor.async_accept(s.socket, [&](const boost::system::error_code &ec) {
		result = ec;
		done = true;
	});
	try {
		s.wait(
			Clock::now() + timeout, alive, [&] { return done; },
			"waiting for QEMU to connect to " + s.path);
	} catch (...) {
		boost::system::error_code ec;
		s.acceptor.cancel(ec);
		s.ctx.restart();
		s.ctx.poll(); // the cancelled handler runs before `done` goes out of scope
		throw;
	}
	if (result)
		throw ChannelError(ChannelError::Kind::Io,
				   "accept on " + s.path + ": " + result.message());
	s.connected = true;
	s.start_write();
}

void GuestChannel::send(const std::string &line)
{
	impl_->out.push_back(line + "\n");
	impl_->start_write();
}

std::string GuestChannel::read_line(std::chrono::milliseconds timeout, const Alive &alive)
{
	Impl &s = *impl_;
	const Clock::time_point deadline = Clock::now() + timeout;
	for (;;) {
		const size_t nl = s.in.find('\n');
		if (nl != std::string::npos) {
			if (nl > kAnswerBytesMax)
				break;
			std::string line = s.in.substr(0, nl);
			s.in.erase(0, nl + 1);
			return line;
		}
		if (s.in.size() > kAnswerBytesMax)
			break;
		if (s.write_error == asio::error::broken_pipe ||
		    s.write_error == asio::error::connection_reset)
			throw ChannelError(ChannelError::Kind::Closed,
					   "the guest closed the channel (QEMU exited?)");
		if (s.write_error)
			throw ChannelError(ChannelError::Kind::Io,
					   "write to the guest: " + s.write_error.message());
		if (s.read_error == asio::error::connection_reset)
			throw ChannelError(ChannelError::Kind::Closed,
					   "the guest closed the channel (QEMU exited?)");
		if (s.read_error)
			throw ChannelError(ChannelError::Kind::Io,
					   "read from the guest: " + s.read_error.message());
		if (s.read_eof)
			throw ChannelError(ChannelError::Kind::Closed,
					   "the guest closed the channel (QEMU exited?)");
		s.start_read();
		s.wait(
			deadline, alive, [&] { return !s.reading || s.write_error; },
			"waiting for the guest to answer");
	}
	throw ChannelError(ChannelError::Kind::Protocol, "the guest sent a line over " +
								 std::to_string(kAnswerBytesMax) +
								 " bytes");
}

unsigned long long GuestChannel::bytes_sent() const
{
	return impl_->sent_bytes;
}

} // namespace coconut::cosim
