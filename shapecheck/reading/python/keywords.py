"""The keyword arguments Keras 3.15.1's layer and optimizer constructors take, as the
Python reader needs them: Keras 3 refuses any other (``LSTM(batch_size=1)``, a Keras 2 habit:
``Unrecognized keyword arguments passed to LSTM``; ``SGD(lr=0.01)``). Generated from the
installed Keras by tests/keras_keywords.py, which a test runs again and compares.

Why one module: it is data, a table generated from Keras, one entry per class.
"""

from __future__ import annotations

#: Layer class -> the names its constructor takes beyond ``Layer``'s own (the entry
#: ``Layer``), space-separated; a leading ``!`` marks an ``__init__`` without ``**kwargs``
#: (Python's TypeError for any other name).
LAYERS: dict[str, str] = {
    "Activation": "activation",
    "ActivityRegularization": "l1 l2",
    "AdaptiveAveragePooling1D": "data_format output_size",
    "AdaptiveAveragePooling2D": "data_format output_size",
    "AdaptiveAveragePooling3D": "data_format output_size",
    "AdaptiveMaxPooling1D": "data_format output_size",
    "AdaptiveMaxPooling2D": "data_format output_size",
    "AdaptiveMaxPooling3D": "data_format output_size",
    "Add": "",
    "AdditiveAttention": "dropout score_mode seed use_scale",
    "AlphaDropout": "noise_shape rate seed",
    "Attention": "dropout score_mode seed use_scale",
    "AugMix": "all_ops alpha bounding_box_format chain_depth data_format factor "
        "interpolation num_chains seed value_range",
    "AutoContrast": "bounding_box_format data_format factor value_range",
    "Average": "",
    "AveragePooling1D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "AveragePooling2D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "AveragePooling3D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "AvgPool1D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "AvgPool2D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "AvgPool3D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "BatchNormalization": "axis beta_constraint beta_initializer beta_regularizer center epsilon "
        "gamma_constraint gamma_initializer gamma_regularizer momentum "
        "moving_mean_initializer moving_variance_initializer renorm renorm_clipping "
        "renorm_momentum scale synchronized",
    "Bidirectional": "backward_layer layer merge_mode weights",
    "CategoryEncoding": "num_tokens output_mode sparse",
    "CenterCrop": "bounding_box_format data_format factor height width",
    "Concatenate": "axis",
    "ContrastLimitedAdaptiveHistogramEqualization": "bounding_box_format clip_limit data_format factor "
        "tile_grid_size value_range",
    "Conv1D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Conv1DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "Conv2D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Conv2DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "Conv3D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Conv3DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "ConvLSTM1D": "activation bias_constraint bias_initializer bias_regularizer cell "
        "data_format dilation_rate dropout filters go_backwards kernel_constraint "
        "kernel_initializer kernel_regularizer kernel_size padding rank "
        "recurrent_activation recurrent_constraint recurrent_dropout "
        "recurrent_initializer recurrent_regularizer return_sequences return_state "
        "seed stateful strides unit_forget_bias unroll use_bias zero_output_for_mask",
    "ConvLSTM2D": "activation bias_constraint bias_initializer bias_regularizer cell "
        "data_format dilation_rate dropout filters go_backwards kernel_constraint "
        "kernel_initializer kernel_regularizer kernel_size padding rank "
        "recurrent_activation recurrent_constraint recurrent_dropout "
        "recurrent_initializer recurrent_regularizer return_sequences return_state "
        "seed stateful strides unit_forget_bias unroll use_bias zero_output_for_mask",
    "ConvLSTM3D": "activation bias_constraint bias_initializer bias_regularizer cell "
        "data_format dilation_rate dropout filters go_backwards kernel_constraint "
        "kernel_initializer kernel_regularizer kernel_size padding rank "
        "recurrent_activation recurrent_constraint recurrent_dropout "
        "recurrent_initializer recurrent_regularizer return_sequences return_state "
        "seed stateful strides unit_forget_bias unroll use_bias zero_output_for_mask",
    "Convolution1D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Convolution1DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "Convolution2D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Convolution2DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "Convolution3D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size lora_alpha lora_rank padding rank strides "
        "use_bias",
    "Convolution3DTranspose": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "dilation_rate filters kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size output_padding padding rank strides use_bias",
    "Cropping1D": "cropping",
    "Cropping2D": "cropping data_format",
    "Cropping3D": "cropping data_format",
    "CutMix": "bounding_box_format data_format factor seed",
    "Dense": "activation bias_constraint bias_initializer bias_regularizer "
        "kernel_constraint kernel_initializer kernel_regularizer lora_alpha lora_rank "
        "quantization_config units use_bias",
    "DepthwiseConv1D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate kernel_size padding rank strides "
        "use_bias",
    "DepthwiseConv2D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate kernel_size padding rank strides "
        "use_bias",
    "Discretization": "! bin_boundaries dtype epsilon name num_bins output_mode sparse",
    "Dot": "axes normalize",
    "Dropout": "noise_shape rate seed",
    "ELU": "alpha",
    "EinsumDense": "activation bias_axes bias_constraint bias_initializer bias_regularizer "
        "equation gptq_unpacked_column_size kernel_constraint kernel_initializer "
        "kernel_regularizer lora_alpha lora_rank output_shape quantization_config",
    "Embedding": "embeddings_constraint embeddings_initializer embeddings_regularizer "
        "input_length lora_alpha lora_rank mask_zero output_dim quantization_config "
        "weights",
    "Equalization": "bins bounding_box_format data_format factor value_range",
    "Flatten": "data_format",
    "FlaxLayer": "call_fn init_fn method module native_serialization_platforms params seed "
        "state variables",
    "GRU": "activation bias_constraint bias_initializer bias_regularizer cell dropout "
        "go_backwards implementation kernel_constraint kernel_initializer "
        "kernel_regularizer recurrent_activation recurrent_constraint "
        "recurrent_dropout recurrent_initializer recurrent_regularizer reset_after "
        "return_sequences return_state seed stateful units unroll use_bias use_cudnn "
        "zero_output_for_mask",
    "GRUCell": "activation bias_constraint bias_initializer bias_regularizer dropout "
        "implementation kernel_constraint kernel_initializer kernel_regularizer "
        "recurrent_activation recurrent_constraint recurrent_dropout "
        "recurrent_initializer recurrent_regularizer reset_after seed units use_bias",
    "GaussianDropout": "rate seed",
    "GaussianNoise": "seed stddev",
    "GlobalAveragePooling1D": "data_format keepdims pool_dimensions",
    "GlobalAveragePooling2D": "data_format keepdims pool_dimensions",
    "GlobalAveragePooling3D": "data_format keepdims pool_dimensions",
    "GlobalAvgPool1D": "data_format keepdims pool_dimensions",
    "GlobalAvgPool2D": "data_format keepdims pool_dimensions",
    "GlobalAvgPool3D": "data_format keepdims pool_dimensions",
    "GlobalMaxPool1D": "data_format keepdims pool_dimensions",
    "GlobalMaxPool2D": "data_format keepdims pool_dimensions",
    "GlobalMaxPool3D": "data_format keepdims pool_dimensions",
    "GlobalMaxPooling1D": "data_format keepdims pool_dimensions",
    "GlobalMaxPooling2D": "data_format keepdims pool_dimensions",
    "GlobalMaxPooling3D": "data_format keepdims pool_dimensions",
    "GroupNormalization": "axis beta_constraint beta_initializer beta_regularizer center epsilon "
        "gamma_constraint gamma_initializer gamma_regularizer groups scale",
    "GroupQueryAttention": "bias_constraint bias_initializer bias_regularizer dropout flash_attention "
        "head_dim kernel_constraint kernel_initializer kernel_regularizer "
        "num_key_value_heads num_query_heads seed sliding_window use_bias use_gate",
    "HashedCrossing": "num_bins output_mode sparse",
    "Hashing": "mask_value num_bins output_mode salt sparse",
    "Identity": "",
    "InputLayer": "batch_input_shape batch_shape batch_size input_tensor optional ragged shape "
        "sparse",
    "IntegerLookup": "has_input_vocabulary idf_weights invert mask_token max_tokens "
        "num_oov_indices oov_method oov_token output_mode pad_to_max_tokens salt "
        "sparse vocabulary vocabulary_dtype vocabulary_size",
    "JaxLayer": "call_fn init_fn native_serialization_platforms params seed state",
    "LSTM": "activation bias_constraint bias_initializer bias_regularizer cell dropout "
        "go_backwards implementation kernel_constraint kernel_initializer "
        "kernel_regularizer recurrent_activation recurrent_constraint "
        "recurrent_dropout recurrent_initializer recurrent_regularizer "
        "return_sequences return_state seed stateful unit_forget_bias units unroll "
        "use_bias use_cudnn zero_output_for_mask",
    "LSTMCell": "activation bias_constraint bias_initializer bias_regularizer dropout "
        "implementation kernel_constraint kernel_initializer kernel_regularizer "
        "recurrent_activation recurrent_constraint recurrent_dropout "
        "recurrent_initializer recurrent_regularizer seed unit_forget_bias units "
        "use_bias",
    "Lambda": "arguments function mask output_shape",
    "LayerNormalization": "axis beta_constraint beta_initializer beta_regularizer center epsilon "
        "gamma_constraint gamma_initializer gamma_regularizer rms_scaling scale",
    "LeakyReLU": "alpha negative_slope",
    "Masking": "mask_value",
    "MaxNumBoundingBoxes": "bounding_box_format data_format factor fill_value max_number",
    "MaxPool1D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "MaxPool2D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "MaxPool3D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "MaxPooling1D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "MaxPooling2D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "MaxPooling3D": "data_format padding pool_dimensions pool_mode pool_size strides",
    "Maximum": "",
    "MelSpectrogram": "fft_length mag_exp max_freq min_freq min_power num_mel_bins power_to_db "
        "ref_power sampling_rate sequence_length sequence_stride top_db window",
    "Minimum": "",
    "MixUp": "alpha bounding_box_format data_format factor seed",
    "MultiHeadAttention": "attention_axes bias_constraint bias_initializer bias_regularizer dropout "
        "flash_attention kernel_constraint kernel_initializer kernel_regularizer "
        "key_dim num_heads output_shape seed sliding_window use_bias use_gate "
        "value_dim",
    "Multiply": "",
    "Normalization": "axis invert mean variance",
    "PReLU": "alpha_constraint alpha_initializer alpha_regularizer shared_axes",
    "Permute": "dims",
    "Pipeline": "! layers name",
    "RMSNormalization": "axis epsilon",
    "RNN": "cell go_backwards return_sequences return_state stateful unroll "
        "zero_output_for_mask",
    "RandAugment": "bounding_box_format data_format factor interpolation num_ops seed "
        "value_range",
    "RandomBrightness": "bounding_box_format data_format factor seed value_range",
    "RandomColorDegeneration": "bounding_box_format data_format factor seed value_range",
    "RandomColorJitter": "bounding_box_format brightness_factor contrast_factor data_format factor "
        "hue_factor saturation_factor seed value_range",
    "RandomContrast": "bounding_box_format data_format factor seed value_range",
    "RandomCrop": "bounding_box_format data_format factor height seed width",
    "RandomElasticTransform": "bounding_box_format data_format factor fill_mode fill_value interpolation "
        "scale seed value_range",
    "RandomErasing": "bounding_box_format data_format factor fill_value scale seed value_range",
    "RandomFlip": "bounding_box_format data_format factor mode seed",
    "RandomGaussianBlur": "bounding_box_format data_format factor kernel_size seed sigma value_range",
    "RandomGrayscale": "bounding_box_format data_format factor seed",
    "RandomHue": "bounding_box_format data_format factor seed value_range",
    "RandomInvert": "bounding_box_format data_format factor seed value_range",
    "RandomPerspective": "bounding_box_format data_format factor fill_value interpolation scale seed",
    "RandomPosterization": "bounding_box_format data_format factor seed value_range",
    "RandomRotation": "bounding_box_format data_format factor fill_mode fill_value interpolation "
        "seed",
    "RandomSaturation": "bounding_box_format data_format factor seed value_range",
    "RandomSharpness": "bounding_box_format data_format factor seed value_range",
    "RandomShear": "bounding_box_format data_format factor fill_mode fill_value interpolation "
        "seed x_factor y_factor",
    "RandomTranslation": "bounding_box_format data_format factor fill_mode fill_value height_factor "
        "interpolation seed width_factor",
    "RandomZoom": "bounding_box_format data_format factor fill_mode fill_value height_factor "
        "interpolation seed width_factor",
    "ReLU": "max_value negative_slope threshold",
    "RepeatVector": "n",
    "Rescaling": "offset scale",
    "Reshape": "target_shape",
    "Resizing": "antialias bounding_box_format crop_to_aspect_ratio data_format factor "
        "fill_mode fill_value height interpolation pad_to_aspect_ratio width",
    "ReversibleEmbedding": "embeddings_constraint embeddings_initializer embeddings_regularizer "
        "input_length logit_soft_cap lora_alpha lora_rank mask_zero output_dim "
        "quantization_config reverse_dtype tie_weights weights",
    "STFTSpectrogram": "data_format expand_dims fft_length frame_length frame_step mode padding "
        "periodic scaling window",
    "SeparableConv1D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate filters kernel_size padding "
        "pointwise_constraint pointwise_initializer pointwise_regularizer rank "
        "strides use_bias",
    "SeparableConv2D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate filters kernel_size padding "
        "pointwise_constraint pointwise_initializer pointwise_regularizer rank "
        "strides use_bias",
    "SeparableConvolution1D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate filters kernel_size padding "
        "pointwise_constraint pointwise_initializer pointwise_regularizer rank "
        "strides use_bias",
    "SeparableConvolution2D": "activation bias_constraint bias_initializer bias_regularizer data_format "
        "depth_multiplier depthwise_constraint depthwise_initializer "
        "depthwise_regularizer dilation_rate filters kernel_size padding "
        "pointwise_constraint pointwise_initializer pointwise_regularizer rank "
        "strides use_bias",
    "SimpleRNN": "activation bias_constraint bias_initializer bias_regularizer cell dropout "
        "go_backwards kernel_constraint kernel_initializer kernel_regularizer "
        "recurrent_constraint recurrent_dropout recurrent_initializer "
        "recurrent_regularizer return_sequences return_state seed stateful units "
        "unroll use_bias zero_output_for_mask",
    "SimpleRNNCell": "activation bias_constraint bias_initializer bias_regularizer dropout "
        "kernel_constraint kernel_initializer kernel_regularizer recurrent_constraint "
        "recurrent_dropout recurrent_initializer recurrent_regularizer seed units "
        "use_bias",
    "Softmax": "axis",
    "Solarization": "addition_factor bounding_box_format data_format factor seed threshold_factor "
        "value_range",
    "SpatialDropout1D": "! dtype name rate seed",
    "SpatialDropout2D": "! data_format dtype name rate seed",
    "SpatialDropout3D": "! data_format dtype name rate seed",
    "SpectralNormalization": "layer power_iterations",
    "StackedRNNCells": "cells",
    "StringLookup": "encoding has_input_vocabulary idf_weights invert mask_token max_tokens "
        "num_oov_indices oov_method oov_token output_mode pad_to_max_tokens salt "
        "sparse vocabulary vocabulary_dtype vocabulary_size",
    "Subtract": "",
    "TFSMLayer": "! call_endpoint call_training_endpoint dtype filepath name trainable",
    "TextVectorization": "encoding has_input_vocabulary idf_weights max_tokens ngrams output_mode "
        "output_sequence_length pad_to_max_tokens ragged sparse split standardize "
        "vocabulary vocabulary_size",
    "TimeDistributed": "layer",
    "TorchModuleWrapper": "module output_shape",
    "UnitNormalization": "axis",
    "UpSampling1D": "size",
    "UpSampling2D": "data_format interpolation size",
    "UpSampling3D": "data_format size",
    "Wrapper": "layer",
    "ZeroPadding1D": "data_format padding",
    "ZeroPadding2D": "data_format padding",
    "ZeroPadding3D": "data_format padding",
    "Layer": "activity_regularizer autocast dtype input_dim input_shape name trainable",
}

#: Optimizer class -> every name its constructor takes.
OPTIMIZERS: dict[str, str] = {
    "Adadelta": "clipnorm clipvalue decay ema_momentum ema_overwrite_frequency epsilon "
        "global_clipnorm gradient_accumulation_steps learning_rate loss_scale_factor "
        "name rho use_ema weight_decay",
    "Adafactor": "beta_2_decay clip_threshold clipnorm clipvalue decay ema_momentum "
        "ema_overwrite_frequency epsilon_1 epsilon_2 global_clipnorm "
        "gradient_accumulation_steps learning_rate loss_scale_factor name "
        "relative_step use_ema weight_decay",
    "Adagrad": "clipnorm clipvalue decay ema_momentum ema_overwrite_frequency epsilon "
        "global_clipnorm gradient_accumulation_steps initial_accumulator_value "
        "learning_rate loss_scale_factor name use_ema weight_decay",
    "Adam": "amsgrad beta_1 beta_2 clipnorm clipvalue decay ema_momentum "
        "ema_overwrite_frequency epsilon global_clipnorm gradient_accumulation_steps "
        "learning_rate loss_scale_factor name use_ema weight_decay",
    "AdamW": "amsgrad beta_1 beta_2 clipnorm clipvalue decay ema_momentum "
        "ema_overwrite_frequency epsilon global_clipnorm gradient_accumulation_steps "
        "learning_rate loss_scale_factor name use_ema weight_decay",
    "Adamax": "beta_1 beta_2 clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "epsilon global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor name use_ema weight_decay",
    "Ftrl": "beta clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "global_clipnorm gradient_accumulation_steps initial_accumulator_value "
        "l1_regularization_strength l2_regularization_strength "
        "l2_shrinkage_regularization_strength learning_rate learning_rate_power "
        "loss_scale_factor name use_ema weight_decay",
    "Lamb": "beta_1 beta_2 clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "epsilon global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor name use_ema weight_decay",
    "Lion": "beta_1 beta_2 clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "global_clipnorm gradient_accumulation_steps learning_rate loss_scale_factor "
        "name use_ema weight_decay",
    "LossScaleOptimizer": "clipnorm clipvalue decay dynamic dynamic_growth_steps ema_momentum "
        "ema_overwrite_frequency global_clipnorm gradient_accumulation_steps "
        "initial_scale inner_optimizer learning_rate loss_scale_factor name use_ema "
        "weight_decay",
    "MultiOptimizer": "loss_scale_factor name optimizer_map",
    "Muon": "adam_beta_1 adam_beta_2 adam_lr_ratio adam_weight_decay clipnorm clipvalue "
        "decay ema_momentum ema_overwrite_frequency epsilon exclude_embeddings "
        "exclude_layers global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor momentum muon_a muon_b muon_c name nesterov ns_steps "
        "rms_rate use_ema weight_decay",
    "Nadam": "beta_1 beta_2 clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "epsilon global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor name use_ema weight_decay",
    "RMSprop": "centered clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "epsilon global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor momentum name rho use_ema weight_decay",
    "SGD": "clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "global_clipnorm gradient_accumulation_steps learning_rate loss_scale_factor "
        "momentum name nesterov use_ema weight_decay",
    "ScheduleFreeAdamW": "beta_1 beta_2 clipnorm clipvalue decay ema_momentum ema_overwrite_frequency "
        "epsilon global_clipnorm gradient_accumulation_steps learning_rate "
        "loss_scale_factor name use_ema warmup_steps weight_decay",
}
