#include "io/opened_archive.hpp"

#include "io/archive_format.hpp"

namespace sluice::io {

std::unique_ptr<OpenedArchive> OpenedArchive::open(std::string_view start, PullSource source, bool ahead) {
  auto self = std::unique_ptr<OpenedArchive>(new OpenedArchive());
  OpenedArchive* o = self.get();
  const bool streamed = static_cast<bool>(source);
  if (sniff_container(start.substr(0, kSniffBytes)).kind != ContainerKind::kCompressed) {
    auto reader = streamed ? ArchiveReader::open_stream(start, std::move(source)) : ArchiveReader::open_memory(start);
    o->take(std::move(reader));
    return self;
  }
  auto decompressor = streamed ? Decompressor::open_stream(start, std::move(source)) : Decompressor::open(start);
  if (auto* error = std::get_if<std::string>(&decompressor)) {
    o->error_ = std::move(*error);
    return self;
  }
  o->compressed_ = true;
  if (ahead) {
    o->ahead_ = std::make_unique<DecompressAhead>(std::move(std::get<Decompressor>(decompressor)));
  } else {
    o->decompressor_ = std::make_unique<Decompressor>(std::move(std::get<Decompressor>(decompressor)));
  }
  o->take(ArchiveReader::open_stream({}, [o](std::string* error) { return o->pull(error); }));
  return self;
}

std::unique_ptr<OpenedArchive> OpenedArchive::open_raw(std::string_view whole) {
  auto self = std::unique_ptr<OpenedArchive>(new OpenedArchive());
  OpenedArchive* o = self.get();
  auto decompressor = Decompressor::open(whole);
  if (auto* error = std::get_if<std::string>(&decompressor)) {
    o->error_ = std::move(*error);
    return self;
  }
  o->compressed_ = true;
  o->decompressor_ = std::make_unique<Decompressor>(std::move(std::get<Decompressor>(decompressor)));
  o->take(ArchiveReader::open_stream_raw({}, [o](std::string* error) { return o->pull(error); }));
  return self;
}

void OpenedArchive::take(std::variant<ArchiveReader, std::string> reader) {
  if (auto* error = std::get_if<std::string>(&reader)) {
    error_ = std::move(*error);
  } else {
    reader_.emplace(std::move(std::get<ArchiveReader>(reader)));
  }
}

// The reader sees a cut as the end of its input: libarchive then still recognises a format
// from the few bytes that came (its bidders read ahead tens of KiB, and an error there would
// make it give up on them), reads every member before the cut and names the one cut short.
std::optional<std::string_view> OpenedArchive::pull(std::string* error) {
  if (!cut_.empty()) return std::string_view();
  std::optional<std::string_view> block;
  if (ahead_) {
    block = ahead_->pull(error);
  } else {
    buffer_.resize(kBlock);
    const auto n = decompressor_->read(buffer_.data(), buffer_.size(), error);
    if (n) block = std::string_view(buffer_.data(), *n);
  }
  if (!block) {
    cut_ = error->empty() ? std::string("decompression failed") : *error;
    return std::string_view();
  }
  delivered_ += block->size();
  return block;
}

}  // namespace sluice::io
