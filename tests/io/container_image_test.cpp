#include "io/container_image.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sluice::io {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');
const std::string kHexC(64, 'c');

TEST(Whiteouts, FileDirectoryAndOpaqueForms) {
  const std::vector<std::string> whiteouts{"./etc/.wh.app.env", "var/.wh.cache", "opt/data/.wh..wh..opq"};
  EXPECT_TRUE(whiteout_hides(whiteouts, "etc/app.env"));
  EXPECT_TRUE(whiteout_hides(whiteouts, "/etc/app.env"));
  EXPECT_FALSE(whiteout_hides(whiteouts, "etc/app.env.bak"));
  EXPECT_FALSE(whiteout_hides(whiteouts, "etc/other.env"));
  EXPECT_TRUE(whiteout_hides(whiteouts, "var/cache/pip/token"));  // a whited-out directory
  EXPECT_FALSE(whiteout_hides(whiteouts, "var/cached"));
  EXPECT_TRUE(whiteout_hides(whiteouts, "opt/data/x/y.json"));  // opaque: everything below
  EXPECT_FALSE(whiteout_hides(whiteouts, "opt/database"));
  EXPECT_TRUE(whiteout_hides({".wh..wh..opq"}, "anything/at/all"));
  EXPECT_TRUE(is_whiteout("etc/.wh.app.env"));
  EXPECT_FALSE(is_whiteout("etc/app.wh.env"));
}

TEST(BlobDigest, OnlyFullSha256Names) {
  EXPECT_EQ(blob_digest("blobs/sha256/" + kHexA), "sha256:" + kHexA);
  EXPECT_EQ(blob_digest("layout/blobs/sha256/" + kHexA), "sha256:" + kHexA);
  EXPECT_FALSE(blob_digest("blobs/sha256/" + kHexA.substr(1)));
  EXPECT_FALSE(blob_digest("myblobs/sha256/" + kHexA));
  EXPECT_FALSE(blob_digest("blobs/sha256/" + std::string(64, 'A')));
}

ImageFileReader reader(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ImageManifests, DockerSaveLegacyLayersAreNamedByDiffIds) {
  std::string error;
  const auto images = read_image_manifests(
      reader({{"manifest.json",
               R"([{"Config":")" + kHexC + R"(.json","RepoTags":["app:1"],"Layers":["l1/layer.tar","l2/layer.tar"]}])"},
              {kHexC + ".json", R"({"rootfs":{"diff_ids":["sha256:)" + kHexA + R"(","sha256:)" + kHexB + R"("]}})"}}),
      &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].name, "app:1");
  ASSERT_EQ(images[0].layers.size(), 2u);
  EXPECT_EQ(images[0].layers[0].path, "l1/layer.tar");
  EXPECT_EQ(images[0].layers[0].digest, "sha256:" + kHexA);
  EXPECT_EQ(images[0].layers[1].digest, "sha256:" + kHexB);
}

TEST(ImageManifests, OciIndexWithNestedIndexAndAnnotations) {
  const std::string manifest =
      R"({"config":{"digest":"sha256:)" + kHexC + R"("},"layers":[{"digest":"sha256:)" + kHexA + R"("}]})";
  const std::string nested = R"({"manifests":[{"digest":"sha256:)" + kHexB + R"("}]})";
  std::string error;
  const auto images = read_image_manifests(
      reader({{"oci-layout", "{}"},
              {"index.json", R"({"manifests":[{"digest":"sha256:)" + std::string(64, 'd') +
                                 R"(","annotations":{"org.opencontainers.image.ref.name":"reg/app:2"}}]})"},
              {"blobs/sha256/" + std::string(64, 'd'), nested},
              {"blobs/sha256/" + kHexB, manifest}}),
      &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].name, "reg/app:2");
  ASSERT_TRUE(images[0].config.has_value());
  EXPECT_EQ(images[0].config->path, "blobs/sha256/" + kHexC);
  ASSERT_EQ(images[0].layers.size(), 1u);
  EXPECT_EQ(images[0].layers[0].digest, "sha256:" + kHexA);
}

TEST(ImageManifests, OtherJsonIsNotAnImageAndBrokenImageMetadataIsAnError) {
  std::string error;
  EXPECT_TRUE(read_image_manifests(reader({{"manifest.json", R"({"name":"my web app","icons":[]})"}}), &error).empty());
  EXPECT_EQ(error, "");
  EXPECT_TRUE(read_image_manifests(reader({{"oci-layout", "{}"}, {"index.json", "{not json"}}), &error).empty());
  EXPECT_NE(error, "");
}

}  // namespace
}  // namespace sluice::io
