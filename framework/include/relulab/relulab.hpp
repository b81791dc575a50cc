// The relulab SDK: the plugin contract, everything a plugin includes.
// Helpers a plugin may also use live beside it: relulab/math/ (Gaussian
// closed forms, extremal vectors, least squares), relulab/io/ (.npy files),
// and first_order.hpp / lr_schedule.hpp (building blocks for optimizers).
#pragma once

#include <relulab/abi.hpp>
#include <relulab/data_generator.hpp>
#include <relulab/dataset.hpp>
#include <relulab/loss.hpp>
#include <relulab/metric.hpp>
#include <relulab/model.hpp>
#include <relulab/optimizer.hpp>
#include <relulab/params.hpp>
#include <relulab/plugin.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/policy.hpp>
#include <relulab/rng.hpp>
#include <relulab/state.hpp>
#include <relulab/stop.hpp>
#include <relulab/teacher.hpp>
