#include "pipeline/finding_set.hpp"

#include <xxhash.h>

#include <algorithm>
#include <unordered_set>

#include "io/container_image.hpp"

namespace sluice::pipeline {
namespace {

// Contents nest at most this deep (archive depth is capped far below); also stops a quine
// archive that contains itself.
constexpr std::size_t kMaxNesting = 64;

}  // namespace

// The image whose layer (or config) is being resolved.
struct FindingSet::ImageContext {
  const ImageRecord* image = nullptr;
  std::size_t layer = 0;  // index in image->layers; ignored for the config
  bool config = false;
};

ContentId hash_content(std::string_view bytes) noexcept {
  const XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  return ContentId{hash.high64, hash.low64};
}

FindingSet::FindingSet(std::function<std::string(std::uint32_t)> rule_id_of,
                       std::function<bool(std::uint32_t, std::uint32_t)> yields)
    : rule_id_of_(std::move(rule_id_of)), yields_(std::move(yields)) {}

void FindingSet::drop_yielding(std::vector<PlacedMatch>& matches) const {
  if (matches.size() < 2) return;
  std::sort(matches.begin(), matches.end(),
            [](const PlacedMatch& a, const PlacedMatch& b) { return a.offset < b.offset; });
  std::vector<char> dropped(matches.size(), 0);
  // Where a match lies in the content: a decoded one over its whole encoded span.
  const auto end_of = [](const PlacedMatch& m) {
    return m.decodings.empty() ? m.offset + std::max<std::size_t>(m.secret.size(), 1)
                               : std::max(m.encoded_end, m.offset + 1);
  };
  // Each match against the later ones that start before it ends.
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const std::uint64_t end = end_of(matches[i]);
    for (std::size_t j = i + 1; j < matches.size() && matches[j].offset < end; ++j) {
      const bool i_decoded = !matches[i].decodings.empty() && !matches[i].rule_decoded;
      const bool j_decoded = !matches[j].decodings.empty() && !matches[j].rule_decoded;
      if (i_decoded != j_decoded) {
        // The plain scan found this rule's secret in the encoded text itself (a key in a JSON
        // string, escaped as it stands): the decoded copy says nothing more.
        if (matches[i].rule == matches[j].rule) {
          dropped[i_decoded ? i : j] = 1;
          continue;
        }
        // A vendor's token decoded from a generic rule's value: both are reported, unless the
        // rule decoded its value itself to that very token (then the rules' precedence holds).
        const bool same_secret =
            (matches[i].rule_decoded || matches[j].rule_decoded) && matches[i].secret == matches[j].secret;
        if (!same_secret) continue;
      }
      if (!yields_) continue;
      if (yields_(matches[i].rule, matches[j].rule)) dropped[i] = 1;
      if (yields_(matches[j].rule, matches[i].rule)) dropped[j] = 1;
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (dropped[i] != 0) continue;
    if (kept != i) matches[kept] = std::move(matches[i]);  // never a self-move
    ++kept;
  }
  matches.resize(kept);
}

void FindingSet::place(const std::vector<std::string>& chain, const PlacedMatch& match,
                       const std::optional<ImageRef>& image, const std::optional<GitRef>& git) {
  std::string key = std::to_string(match.rule);
  key.push_back('\0');
  key += match.secret;
  auto [it, inserted] = index_.try_emplace(std::move(key), findings_.size());
  if (inserted) {
    Finding finding;
    finding.rule = match.rule;
    finding.secret = match.secret;
    finding.confidence = match.confidence;
    finding.confidence_reason = match.confidence_reason;
    finding.fingerprint = fingerprint(rule_id_of_(match.rule), match.secret);
    findings_.push_back(std::move(finding));
  }
  if (!match.from_state) findings_[it->second].fresh = true;
  Location location{join_chain(chain),       chain,    match.offset, match.line, match.column, image, git,
                    match.decodings.names(), match.key};
  if (match.range >= 0) location.split = SplitPlace{static_cast<std::uint32_t>(match.range), match.column_known};
  findings_[it->second].locations.push_back(std::move(location));
}

void FindingSet::add(const std::vector<std::string>& chain, std::vector<PlacedMatch> matches) {
  drop_yielding(matches);
  for (const PlacedMatch& match : matches) place(chain, match, std::nullopt, std::nullopt);
}

void FindingSet::add_content(ContentRecord record) {
  const ContentId id = record.id;
  if (!completed_.insert(id).second) return;  // recorded already (a claim is made once)
  drop_yielding(record.matches);
  auto pending = pending_roots_.find(id);
  if (record.matches.empty() && record.children.empty() && record.whiteouts.empty()) {
    if (pending != pending_roots_.end()) pending_roots_.erase(pending);
    return;
  }
  if (pending != pending_roots_.end()) {
    for (std::vector<std::string>& chain : pending->second) roots_.push_back(Root{std::move(chain), id, std::nullopt});
    pending_roots_.erase(pending);
  }
  contents_.emplace(id, std::move(record));
}

void FindingSet::add_root(std::vector<std::string> chain, const ContentId& id) {
  if (contents_.count(id) != 0) {
    roots_.push_back(Root{std::move(chain), id, std::nullopt});
  } else if (completed_.count(id) == 0) {
    pending_roots_[id].push_back(std::move(chain));
  }
}

void FindingSet::add_image(ImageRecord image) { images_.push_back(std::move(image)); }

void FindingSet::add_git_root(std::vector<std::string> chain, const ContentId& id, GitRef git) {
  if (contents_.count(id) != 0) roots_.push_back(Root{std::move(chain), id, std::move(git)});
}

void FindingSet::emit(std::vector<std::string>& chain, const ContentId& id, const ImageContext* image,
                      std::size_t layer_depth, const std::optional<GitRef>& git, std::vector<ContentId>& stack) {
  if (stack.size() >= kMaxNesting || std::find(stack.begin(), stack.end(), id) != stack.end()) return;
  // Layers and configs of images are reported once per image, with the image named, and not
  // again as plain archive members.
  if (image == nullptr && !git && !image_blobs_.empty() && image_blobs_.count(join_chain(chain)) != 0) return;
  auto found = contents_.find(id);
  if (found == contents_.end()) return;
  const ContentRecord& record = found->second;
  std::optional<ImageRef> ref;
  if (image != nullptr) {
    ref.emplace();
    ref->image = image->image->name;
    if (!image->config) {
      const auto& layers = image->image->layers;
      ref->layer = layers[image->layer].digest;
      // The member's path inside its layer decides whether a later layer deleted it.
      if (chain.size() > layer_depth) {
        const std::string& in_layer = chain[layer_depth];
        for (std::size_t upper = image->layer + 1; upper < layers.size(); ++upper) {
          auto upper_record = contents_.find(layers[upper].id);
          if (upper_record != contents_.end() && io::whiteout_hides(upper_record->second.whiteouts, in_layer)) {
            ref->deleted_in_layer = layers[upper].digest;
            break;
          }
        }
      }
    }
  }
  for (const PlacedMatch& match : record.matches) place(chain, match, ref, git);
  stack.push_back(id);
  for (const ChildRef& child : record.children) {
    chain.push_back(child.name);
    emit(chain, child.id, image, layer_depth, git, stack);
    chain.pop_back();
  }
  stack.pop_back();
}

std::vector<Finding> FindingSet::take() {
  for (const ImageRecord& image : images_) {
    if (image.config) image_blobs_.insert(join_chain(image.config->chain));
    for (const ImageRecord::Blob& layer : image.layers) image_blobs_.insert(join_chain(layer.chain));
  }
  std::vector<ContentId> stack;
  for (Root& root : roots_) emit(root.chain, root.id, nullptr, 0, root.git, stack);
  for (const ImageRecord& image : images_) {
    if (image.config) {
      ImageContext context{&image, 0, true};
      std::vector<std::string> chain = image.config->chain;
      emit(chain, image.config->id, &context, chain.size(), std::nullopt, stack);
    }
    for (std::size_t k = 0; k < image.layers.size(); ++k) {
      ImageContext context{&image, k, false};
      std::vector<std::string> chain = image.layers[k].chain;
      emit(chain, image.layers[k].id, &context, chain.size(), std::nullopt, stack);
    }
  }
  for (Finding& finding : findings_) {
    std::sort(finding.locations.begin(), finding.locations.end());
    finding.locations.erase(std::unique(finding.locations.begin(), finding.locations.end()), finding.locations.end());
  }
  std::vector<Finding> out = std::move(findings_);
  findings_.clear();
  index_.clear();
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.secret < b.secret;
  });
  return out;
}

}  // namespace sluice::pipeline
