// Bills and their events as CSV (see io/bill_writer.hpp).
#include "ratel/io/bill_writer.hpp"

#include <fmt/format.h>

#include "io/amount_text.hpp"
#include "io/csv.hpp"

namespace ratel {

namespace csv = detail::csv;

std::string_view bills_csv_header() noexcept {
  return "subscriber,cycle,product,kind,service,country,band,quantity,rate,description,amount\n";
}

std::string bill_to_csv_rows(const bill& b) {
  std::string out;
  const std::string cycle = to_string(b.cycle);
  const std::string subscriber = csv::quote(b.subscriber);
  // Fields appended one by one (the text fmt's "{},{},...\n" gave, without parsing it per
  // line).
  for (const bill_line& l : b.lines) {
    out += subscriber;
    out += ',';
    out += cycle;
    out += ',';
    csv::append_quoted(out, l.product);
    out += ',';
    out += to_string(l.kind);
    out += ',';
    if (l.svc) out += to_string(*l.svc);
    out += ',';
    out += l.country;
    out += ',';
    out += l.band;
    out += ',';
    if (l.used) out += l.used->to_string();
    out += ',';
    csv::append_quoted(out, l.rate);
    out += ',';
    csv::append_quoted(out, l.description);
    out += ',';
    out += amount(l.amount);
    out += '\n';
  }
  out += subscriber;
  out += ',';
  out += cycle;
  out += ",,total,,,,,,,";
  out += amount(b.total);
  out += '\n';
  return out;
}

std::string bills_to_csv(const std::vector<bill>& bills) {
  std::string out(bills_csv_header());
  for (const bill& b : bills) out += bill_to_csv_rows(b);
  return out;
}

std::string_view events_csv_header() noexcept {
  return "subscriber,cycle,time,kind,product,record,threshold,counter,limit_kbps,reason\n";
}

std::string bill_events_to_csv_rows(const bill& b) {
  std::string out;
  for (const bill_event& e : b.events)
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{}\n", csv::quote(b.subscriber), to_string(b.cycle), e.time,
        to_string(e.what.kind), csv::quote(e.what.product), csv::quote(e.what.record),
        csv::quote(e.what.threshold), csv::quote(e.what.counter),
        e.what.limit_kbps ? std::to_string(*e.what.limit_kbps) : "", csv::quote(e.what.reason));
  return out;
}

std::string events_to_csv(const std::vector<bill>& bills) {
  std::string out(events_csv_header());
  for (const bill& b : bills) out += bill_events_to_csv_rows(b);
  return out;
}

}  // namespace ratel
