// The host end of the co-simulation channel (docs/cosim.md): a Unix socket that QEMU connects
// its virtio-serial port to (-chardev socket,path=...), driven with Boost.Asio on one thread.
// Lines go out queued and written asynchronously while the host waits for lines coming in, so
// neither side can block the other; every wait has a deadline and polls whether the guest's
// process is still alive, so a dead or silent guest is an error, never a hang.
//
// The deadlines use the host's monotonic clock: they bound the harness, they never feed the
// simulation.
#ifndef COCONUT_HARNESS_COSIM_GUEST_CHANNEL_H
#define COCONUT_HARNESS_COSIM_GUEST_CHANNEL_H

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace coconut::cosim {

class ChannelError : public std::runtime_error {
public:
	enum class Kind {
		Timeout,  // no line before the deadline
		Closed,	  // the guest closed the channel (QEMU exited)
		Dead,	  // the guest's process is gone
		Protocol, // an over-long line
		Io,	  // the socket failed
	};
	ChannelError(Kind k, const std::string &what) : std::runtime_error(what), kind(k) {}
	Kind kind;
};

class GuestChannel {
public:
	using Alive = std::function<bool()>;

	// Listens on socket_path (a stale socket file there is replaced). Throws ChannelError (Io)
	// when the path is too long for a Unix socket or cannot be bound.
	explicit GuestChannel(const std::string &socket_path);
	~GuestChannel();
	GuestChannel(const GuestChannel &) = delete;
	GuestChannel &operator=(const GuestChannel &) = delete;

	// Waits for the one connection (QEMU's). Throws ChannelError.
	void accept(std::chrono::milliseconds timeout, const Alive &alive);
	// Queues line + '\n'; it is written while the host waits in read_line().
	void send(const std::string &line);
	// The next line from the guest, without its newline. Throws ChannelError.
	std::string read_line(std::chrono::milliseconds timeout, const Alive &alive);
	// Lines and bytes sent so far (for the summary).
	unsigned long long bytes_sent() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace coconut::cosim

#endif
