// The relulab SDK: everything a plugin includes.
#pragma once

#include <relulab/abi.hpp>
#include <relulab/data_generator.hpp>
#include <relulab/dataset.hpp>
#include <relulab/gaussian.hpp>
#include <relulab/linalg.hpp>
#include <relulab/lr_schedule.hpp>
#include <relulab/metric.hpp>
#include <relulab/model.hpp>
#include <relulab/npy.hpp>
#include <relulab/optimizer.hpp>
#include <relulab/params.hpp>
#include <relulab/plugin.hpp>
#include <relulab/rng.hpp>
#include <relulab/state.hpp>
