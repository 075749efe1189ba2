// A test with its own PostgreSQL cluster (tests/support/pg_cluster.h) and iwd's tables in it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pgstore/connection.h"
#include "pgstore/schema.h"
#include "tests/support/pg_cluster.h"

namespace iwd::pgstore::testing {

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster = iwd::testing::PgCluster::start(&error);
    ASSERT_TRUE(cluster) << error;
    db = connect();
    const Status s = create_schema(*db);
    ASSERT_TRUE(s.ok()) << s.message;
  }
  std::unique_ptr<Connection> connect() const { return std::make_unique<Connection>(cluster->conninfo()); }

  std::unique_ptr<iwd::testing::PgCluster> cluster;
  std::unique_ptr<Connection> db;
};

}  // namespace iwd::pgstore::testing
